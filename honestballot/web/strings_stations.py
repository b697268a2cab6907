"""The polling stations' words (observer and organiser pages): key -> (ru, kk, en)."""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str, str]] = {
    "stations": ("Участки и комиссии", "Учаскелер мен комиссиялар", "Stations and commissions"),
    "station.intro": (
        "Для каждого участка: адрес, часы работы, можно ли голосовать на бумаге, и состав "
        "комиссии, которая считает голоса. Ключ комиссии опубликован в протоколе выборов до "
        "начала голосования; этим ключом комиссия подписывает итоги участка.",
        "Әр учаске үшін: мекенжайы, жұмыс уақыты, қағазбен дауыс беруге бола ма, және "
        "дауыстарды санайтын комиссияның құрамы. Комиссияның кілті дауыс беру басталғанға "
        "дейін сайлау хаттамасында жарияланған; комиссия учаске қорытындысына осы кілтпен "
        "қол қояды.",
        "For each unit: the address, the opening hours, whether one can vote on paper there, "
        "and the commission that counts the votes. The commission's key is in the election "
        "record from before voting began; the commission signs the station's results with it.",
    ),
    "station.none": (
        "Участки ещё не опубликованы.",
        "Учаскелер әлі жарияланған жоқ.",
        "No polling station is published yet.",
    ),
    "station.address": ("Адрес", "Мекенжайы", "Address"),
    "station.hours": ("Часы работы", "Жұмыс уақыты", "Opening hours"),
    "station.paper": (
        "Можно проголосовать на бумаге",
        "Қағазбен дауыс беруге болады",
        "Voting on paper possible",
    ),
    "station.online_only": (
        "Только онлайн-голосование",
        "Тек онлайн дауыс беру",
        "Online voting only",
    ),
    "station.commission": ("Комиссия", "Комиссия", "Commission"),
    "station.nominated_by": ("выдвинут(а):", "ұсынған:", "nominated by"),
    "station.self_nominated": ("самовыдвижение", "өзін-өзі ұсынған", "self-nominated"),
    "station.key": ("Ключ комиссии", "Комиссия кілті", "Commission key"),
    "station.matches": (
        "Эти сведения совпадают с хешем в протоколе выборов.",
        "Бұл мәліметтер сайлау хаттамасындағы хешпен сәйкес келеді.",
        "These details match the hash in the election record.",
    ),
    "station.mismatch": (
        "Эти сведения НЕ совпадают с хешем в протоколе выборов.",
        "Бұл мәліметтер сайлау хаттамасындағы хешпен СӘЙКЕС КЕЛМЕЙДІ.",
        "These details do NOT match the hash in the election record.",
    ),
    "station.corrected": (
        "Исправлено раз: {n}",
        "Түзетулер саны: {n}",
        "Corrected {n} time(s)",
    ),
    "station.role.chair": ("председатель", "төраға", "chair"),
    "station.role.deputy": ("заместитель председателя", "төраға орынбасары", "deputy chair"),
    "station.role.secretary": ("секретарь", "хатшы", "secretary"),
    "station.role.member": ("член комиссии", "комиссия мүшесі", "member"),
    # -- the organiser's page
    "station.publish": ("Опубликовать участок", "Учаскені жариялау", "Publish the station"),
    "station.publish_hint": (
        "До начала голосования опубликуйте участок каждой территории. Исправить сведения "
        "можно и позже: ключ комиссии и голосование на бумаге после начала голосования не "
        "меняются.",
        "Дауыс беру басталғанға дейін әр аумақтың учаскесін жариялаңыз. Мәліметтерді кейін "
        "де түзетуге болады: дауыс беру басталғаннан кейін комиссия кілті мен қағазбен дауыс "
        "беру өзгермейді.",
        "Publish each unit's station before voting begins. You can correct the details later: "
        "once voting has begun, the commission's key and paper voting stay as they were.",
    ),
    "station.closed": (
        "Голосование закрыто: участки больше не меняются.",
        "Дауыс беру жабылды: учаскелер енді өзгермейді.",
        "Voting has closed: the stations no longer change.",
    ),
    "station.unit": ("Территория", "Аумақ", "Unit"),
    "station.address_in": ("Адрес ({lang})", "Мекенжайы ({lang})", "Address ({lang})"),
    "station.members": ("Члены комиссии", "Комиссия мүшелері", "Commission members"),
    "station.members_hint": (
        "По одному в строке: имя; роль; кем выдвинут. Роли: председатель, заместитель "
        "председателя, секретарь, член комиссии.",
        "Әр жолға біреуден: аты-жөні; рөлі; кім ұсынды. Рөлдер: төраға, төраға орынбасары, "
        "хатшы, комиссия мүшесі.",
        "One per line: name; role; nominated by. Roles: chair, deputy chair, secretary, member.",
    ),
    "station.key_file": (
        "Файл ключа комиссии",
        "Комиссия кілтінің файлы",
        "The commission's key file",
    ),
    "station.key_file_hint": (
        "Комиссия создаёт его на своём компьютере: honestballot commission keygen.",
        "Комиссия оны өз компьютерінде жасайды: honestballot commission keygen.",
        "The commission makes it on its own computer: honestballot commission keygen.",
    ),
    "station.published": (
        "Участок опубликован.",
        "Учаске жарияланды.",
        "The station is published.",
    ),
    "station.back": ("К выборам", "Сайлауға оралу", "Back to the election"),
}
