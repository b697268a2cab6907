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
    "station.commission": ("Состав комиссии", "Комиссия құрамы", "Commission"),
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
    "station.signed_file": (
        "Подписанный файл участка",
        "Учаскенің қол қойылған файлы",
        "The signed station file",
    ),
    "station.signed_hint": (
        "У этих выборов есть ключ организатора: он подписывает каждый участок на вашем "
        "компьютере. Запишите сведения об участке в JSON (unit, address, hours, paper, "
        "members) и выполните honestballot organiser sign-station СВЕДЕНИЯ.json --commission "
        "ФАЙЛ-КОМИССИИ.json --key КЛЮЧ-ОРГАНИЗАТОРА --fingerprint FP --setup "
        "НАСТРОЙКА.json --sequence N --out УЧАСТОК.json (FP — отпечаток выборов; N — 1 для "
        "первой публикации участка, на единицу больше для каждого исправления); загрузите "
        "здесь полученный файл.",
        "Бұл сайлауда ұйымдастырушы кілті бар: ол әр учаскеге сіздің компьютеріңізде қол "
        "қояды. Учаске мәліметтерін JSON-ға жазыңыз (unit, address, hours, paper, members) "
        "және honestballot organiser sign-station МӘЛІМЕТТЕР.json --commission "
        "КОМИССИЯ-ФАЙЛЫ.json --key ҰЙЫМДАСТЫРУШЫ-КІЛТІ --fingerprint FP --setup "
        "БАПТАУ.json --sequence N --out УЧАСКЕ.json орындаңыз (FP — сайлаудың саусақ ізі; N — "
        "учаскенің алғашқы жариялануы үшін 1, әр түзету үшін бір артық); шыққан файлды "
        "осында жүктеңіз.",
        "This election names an organiser's key: it signs each station on your computer. "
        "Write the station's details as JSON (unit, address, hours, paper, members) and run "
        "honestballot organiser sign-station DETAILS.json --commission COMMISSION.json --key "
        "ORGANISER-KEY --fingerprint FP --setup SETUP.json --sequence N --out STATION.json "
        "(FP: the election's fingerprint; N: 1 for the station's first publication, one more "
        "for each correction); upload the file it writes here.",
    ),
    "station.yours": (
        "Ваш избирательный участок",
        "Сіздің сайлау учаскеңіз",
        "Your polling station",
    ),
    "station.published": (
        "Участок опубликован.",
        "Учаске жарияланды.",
        "The station is published.",
    ),
    "station.back": ("К выборам", "Сайлауға оралу", "Back to the election"),
    # -- paper results on the pages (web/paper_pages.py): observers and the commission
    "paper.results": ("Бумажные итоги участка", "Учаскенің қағаз қорытындылары", "Paper results"),
    "paper.none": (
        "Бумажных итогов пока нет.",
        "Қағаз қорытындылары әлі жоқ.",
        "No paper results yet.",
    ),
    "paper.send_link": (
        "Для комиссии: отправить бумажные итоги",
        "Комиссия үшін: қағаз қорытындыларын жіберу",
        "For the commission: send paper results",
    ),
    "paper.n.received": ("Получено бюллетеней", "Алынған бюллетеньдер", "Ballots received"),
    "paper.n.issued": ("Выдано избирателям", "Сайлаушыларға берілген", "Issued to voters"),
    "paper.n.spoiled": ("Испорчено", "Бүлінген", "Spoiled"),
    "paper.n.unused": ("Не использовано", "Пайдаланылмаған", "Unused"),
    "paper.n.in_box": ("В ящике", "Жәшікте", "In the box"),
    "paper.n.taken_away": (
        "Унесено (выдано, но нет в ящике)",
        "Алып кетілген (берілген, бірақ жәшікте жоқ)",
        "Taken away (issued, not in the box)",
    ),
    "paper.n.voters": (
        "Избирателей в списке получивших бюллетень",
        "Бюллетень алған сайлаушылар тізімінде",
        "Voters listed as issued a ballot",
    ),
    "paper.n.uploads": (
        "Загрузок итогов",
        "Қорытынды жүктеу саны",
        "Uploads sent",
    ),
    "paper.last_counts": (
        "Исправленные итоги — более поздняя загрузка; считается последняя.",
        "Түзетілген қорытынды — кейінгі жүктеу; соңғысы есептеледі.",
        "A correction is a later upload; the last one counts.",
    ),
    "paper.final_yes": (
        "Комиссия объявила эти итоги окончательными: исправлений больше не будет.",
        "Комиссия бұл қорытындыларды түпкілікті деп жариялады: енді түзету болмайды.",
        "The commission has declared these results final: no correction can follow.",
    ),
    "paper.final_no": (
        "Итоги не объявлены окончательными: пока подсчёт не начался, комиссия может прислать "
        "исправление. Подсчёт ждёт окончательных итогов не дольше {hours} ч после окончания "
        "голосования.",
        "Қорытынды түпкілікті деп жарияланбаған: санау басталғанға дейін комиссия түзету "
        "жібере алады. Санау түпкілікті қорытындыны дауыс беру аяқталғаннан кейін {hours} "
        "сағаттан артық күтпейді.",
        "Not declared final: until the close begins, the commission can still send a "
        "correction. The close waits for final results no longer than {hours} hours after "
        "voting closed.",
    ),
    "paper.checks": ("Сверка", "Салыстыру", "Reconciliation"),
    "paper.check.received": (
        "получено ({received}) = выдано ({issued}) + испорчено ({spoiled}) + не "
        "использовано ({unused})",
        "алынған ({received}) = берілген ({issued}) + бүлінген ({spoiled}) + "
        "пайдаланылмаған ({unused})",
        "received ({received}) = issued ({issued}) + spoiled ({spoiled}) + unused ({unused})",
    ),
    "paper.check.in_box": (
        "в ящике ({in_box}) ≤ выдано ({issued}), унесено {taken_away}",
        "жәшікте ({in_box}) ≤ берілген ({issued}), алып кетілгені {taken_away}",
        "in the box ({in_box}) ≤ issued ({issued}), taken away {taken_away}",
    ),
    "paper.check.issued_listed": (
        "выдано ({issued}) = избирателей в списке ({voters})",
        "берілген ({issued}) = тізімдегі сайлаушылар ({voters})",
        "issued ({issued}) = voters listed ({voters})",
    ),
    "paper.check.issued_roll": (
        "выдано ({issued}) ≤ избирателей участка в списке избирателей ({roll})",
        "берілген ({issued}) ≤ сайлаушылар тізіміндегі учаске сайлаушылары ({roll})",
        "issued ({issued}) ≤ the unit's voters on the roll ({roll})",
    ),
    "paper.check.invalid": (
        "недействительных ({invalid}) ≤ в ящике ({in_box})",
        "жарамсыз ({invalid}) ≤ жәшікте ({in_box})",
        "invalid ({invalid}) ≤ in the box ({in_box})",
    ),
    "paper.check.option_max": (
        "наибольшее число голосов за вариант ({largest}) ≤ действительных ({valid})",
        "нұсқаға берілген ең көп дауыс ({largest}) ≤ жарамды ({valid})",
        "the largest count of an option ({largest}) ≤ valid ({valid})",
    ),
    "paper.check.exclusive": (
        "«против всех» и пустые вместе ({exclusive}) ≤ действительных ({valid})",
        "«барлығына қарсы» және бос бюллетеньдер бірге ({exclusive}) ≤ жарамды ({valid})",
        "against all and blank together ({exclusive}) ≤ valid ({valid})",
    ),
    "paper.check.marks": (
        "отметок за кандидатов ({marks}) от {least} до {most} на {rest} бюллетенях с кандидатами",
        "үміткерлерге қойылған белгілер ({marks}) үміткерлері бар {rest} бюллетеньде "
        "{least}-ден {most}-ге дейін",
        "marks for candidates ({marks}) from {least} to {most} on the {rest} ballots with "
        "candidates",
    ),
    "paper.holds": ("сходится", "сәйкес келеді", "holds"),
    "paper.fails": ("НЕ сходится", "СӘЙКЕС КЕЛМЕЙДІ", "does NOT hold"),
    "paper.valid": ("Действительных бюллетеней", "Жарамды бюллетеньдер", "Valid ballots"),
    "paper.invalid": ("Недействительных бюллетеней", "Жарамсыз бюллетеньдер", "Invalid ballots"),
    "paper.commission": (
        "Бумажные итоги: для комиссии",
        "Қағаз қорытындылары: комиссия үшін",
        "Paper results: for the commission",
    ),
    "paper.commission_intro": (
        "Здесь комиссия участка отправляет итоги подсчёта бумажных бюллетеней — файл, "
        "сделанный командой honestballot commission paper. Сервис проверяет подпись ключом "
        "комиссии, опубликованным до начала голосования, доказательства и арифметику "
        "итогового протокола участка; принятые итоги видят все наблюдатели.",
        "Мұнда учаске комиссиясы қағаз бюллетеньдерді санау қорытындысын жібереді — "
        "honestballot commission paper командасы жасаған файл. Қызмет дауыс беру "
        "басталғанға дейін жарияланған комиссия кілтімен қойылған қолтаңбаны, дәлелдерді "
        "және учаскенің қорытынды хаттамасының арифметикасын тексереді; қабылданған "
        "қорытындыны барлық бақылаушылар көреді.",
        "Here the station's commission sends the count of the paper ballots: the file made "
        "by honestballot commission paper. The service checks its signature with the "
        "commission's key published before voting began, the proofs and the protocol's "
        "arithmetic; every observer sees the results it accepts.",
    ),
    "paper.back": ("Все участки", "Барлық учаскелер", "All stations"),
    "paper.send": ("Отправить итоги", "Қорытындыны жіберу", "Send the results"),
    "paper.form_hint": (
        "Исправленные итоги — новая загрузка со следующим номером; считается последняя. "
        "Итоги, объявленные окончательными (commission paper --final), исправить уже нельзя. "
        "Если итоги не приняты, на доску ничего не добавляется.",
        "Түзетілген қорытынды — келесі нөмірмен жаңа жүктеу; соңғысы есептеледі. "
        "Түпкілікті деп жарияланған қорытындыны (commission paper --final) енді түзетуге "
        "болмайды. Қорытынды қабылданбаса, тақтаға ештеңе қосылмайды.",
        "A correction is a new upload with the next number; the last one counts. Results "
        "declared final (commission paper --final) can no longer be corrected. An upload "
        "that is refused adds nothing to the board.",
    ),
    "paper.file": (
        "Файл итогов (honestballot commission paper)",
        "Қорытынды файлы (honestballot commission paper)",
        "The results file (honestballot commission paper)",
    ),
    "paper.paste": (
        "…или вставьте сюда его содержимое",
        "…немесе оның мазмұнын осында қойыңыз",
        "…or paste its contents here",
    ),
    "paper.accepted": (
        "Итоги приняты: позиция на доске {seq}.",
        "Қорытынды қабылданды: тақтадағы орны {seq}.",
        "The results are accepted: board position {seq}.",
    ),
    "paper.refused": (
        "Итоги не приняты, на доску ничего не добавлено:",
        "Қорытынды қабылданбады, тақтаға ештеңе қосылмады:",
        "The results were not accepted; nothing was added to the board:",
    ),
    "paper.board_holds": ("Что принято на доску", "Тақтаға не қабылданды", "What the board holds"),
    "paper.uploads": ("Загрузки", "Жүктеулер", "Uploads"),
    "paper.upload_line": (
        "позиция на доске {seq}, {time} UTC, избирателей в списке: {voters}",
        "тақтадағы орны {seq}, {time} UTC, тізімдегі сайлаушылар: {voters}",
        "board position {seq}, {time} UTC, voters listed: {voters}",
    ),
    "paper.counts_last": ("считается", "есептеледі", "counts"),
    "msg.paper.choose": (
        "выберите файл итогов, сделанный командой honestballot commission paper, или "
        "вставьте его содержимое",
        "honestballot commission paper командасы жасаған қорытынды файлын таңдаңыз немесе "
        "оның мазмұнын қойыңыз",
        "choose the upload file of 'honestballot commission paper', or paste it",
    ),
    "msg.paper.what": (
        "файл бумажных итогов",
        "қағаз қорытындыларының файлы",
        "paper results file",
    ),
    # -- what a refused station says (errors.Text keys, msg.<key>)
    "msg.station.address": (
        "адрес ({lang}) должен быть от 1 до {most} знаков, без пробелов по краям",
        "мекенжай ({lang}) 1-ден {most} таңбаға дейін болуы керек, шетінде бос орынсыз",
        "the address ({lang}) must be 1 to {most} characters, without spaces around",
    ),
    "msg.station.hours": (
        "часы работы должны быть от 1 до {most} знаков",
        "жұмыс уақыты 1-ден {most} таңбаға дейін болуы керек",
        "the opening hours must be 1 to {most} characters",
    ),
    "msg.station.members": (
        "в комиссии от 1 до {most} членов",
        "комиссияда 1-ден {most} мүшеге дейін болады",
        "a commission has 1 to {most} members",
    ),
    "msg.station.member_name": (
        "имя члена комиссии № {member} должно быть от 1 до {most} знаков",
        "№ {member} комиссия мүшесінің аты-жөні 1-ден {most} таңбаға дейін болуы керек",
        "member {member}'s name must be 1 to {most} characters",
    ),
    "msg.station.member_role": (
        "у члена комиссии № {member} неизвестная роль",
        "№ {member} комиссия мүшесінің рөлі белгісіз",
        "member {member}'s role is not a commission role",
    ),
    "msg.station.member_nominated": (
        "кем выдвинут член комиссии № {member}: не больше {most} знаков",
        "№ {member} комиссия мүшесін кім ұсынды: {most} таңбадан аспауы керек",
        "member {member}: who nominated them is at most {most} characters",
    ),
    "msg.station.chairs": (
        "у комиссии должен быть ровно один председатель, указано: {chairs}",
        "комиссияның дәл бір төрағасы болуы керек, көрсетілгені: {chairs}",
        "a commission has exactly one chair, not {chairs}",
    ),
    "msg.station.key_unit": (
        "файл ключа комиссии сделан для участка {key_unit}, а сведения — для участка {unit}",
        "комиссия кілтінің файлы {key_unit} учаскесі үшін жасалған, ал мәліметтер {unit} "
        "учаскесі үшін",
        "the commission key file is for unit {key_unit}, the details for {unit}",
    ),
    "msg.station.key_election": (
        "файл ключа комиссии сделан для манифеста других выборов",
        "комиссия кілтінің файлы басқа сайлаудың манифесі үшін жасалған",
        "the commission key file was made for another election's manifest",
    ),
    "msg.station.key_proof": (
        "доказательство ключа комиссии участка {unit} не проходит проверку",
        "{unit} учаскесі комиссиясы кілтінің дәлелі тексеруден өтпейді",
        "the proof of the commission key of unit {unit} does not verify",
    ),
    "msg.station.phase": (
        "участки публикуют до голосования и исправляют до его закрытия; сейчас этап: {phase}",
        "учаскелер дауыс беруге дейін жарияланады және ол жабылғанша түзетіледі; қазіргі "
        "кезең: {phase}",
        "polling stations are published before the vote and corrected until the close; the "
        "election is {phase}",
    ),
    "msg.station.json": (
        "отправьте участок как application/json",
        "учаскені application/json ретінде жіберіңіз",
        "send the station as application/json",
    ),
    "msg.station.late": (
        "у участка {unit} не было опубликовано сведений до начала голосования: участки "
        "публикуют до голосования",
        "{unit} учаскесінің мәліметтері дауыс беру басталғанға дейін жарияланбаған: "
        "учаскелер дауыс беруге дейін жарияланады",
        "unit {unit} has no polling station from before the election opened: stations are "
        "published before the vote",
    ),
    "msg.station.frozen": (
        "после начала голосования у участка {unit} нельзя менять ключ комиссии и "
        "голосование на бумаге",
        "дауыс беру басталғаннан кейін {unit} учаскесінің комиссия кілтін және қағазбен "
        "дауыс беруді өзгертуге болмайды",
        "the polling station of unit {unit} keeps the commission key and the paper voting it "
        "had when the election opened",
    ),
    "msg.station.sequence": (
        "участок {unit} подписан под номером {sequence}, а на доске он был бы событием участка "
        "номер {expected}: подпишите его заново с --sequence {expected} (старую подпись "
        "участка нельзя опубликовать снова)",
        "{unit} учаскесіне {sequence} нөмірімен қол қойылған, ал тақтада ол учаскенің "
        "{expected} нөмірлі оқиғасы болар еді: оған --sequence {expected} арқылы қайта қол "
        "қойыңыз (учаскенің ескі қолтаңбасын қайта жариялауға болмайды)",
        "the station of unit {unit} is numbered {sequence}, but it would be the unit's station "
        "event number {expected}: sign it again with --sequence {expected} (an older signed "
        "station cannot be published again)",
    ),
    "msg.organiser.choose_signed_station": (
        "Выберите подписанный файл участка.",
        "Учаскенің қол қойылған файлын таңдаңыз.",
        "Choose the signed station file.",
    ),
    "msg.station.signature_missing": (
        "участок {unit} не подписан ключом организатора: подпишите его командой "
        "honestballot organiser sign-station",
        "{unit} учаскесіне ұйымдастырушы кілтімен қол қойылмаған: оған honestballot "
        "organiser sign-station командасымен қол қойыңыз",
        "the station of unit {unit} carries no signature of the organiser's key: sign it with "
        "'honestballot organiser sign-station'",
    ),
    "msg.station.signature_unexpected": (
        "участок {unit} подписан, но у этих выборов нет ключа организатора: опубликуйте его "
        "без подписи",
        "{unit} учаскесіне қол қойылған, бірақ бұл сайлауда ұйымдастырушы кілті жоқ: оны "
        "қолтаңбасыз жариялаңыз",
        "the station of unit {unit} is signed, but the election names no organiser's key: "
        "publish it unsigned",
    ),
    "msg.station.signature_invalid": (
        "подпись организатора на участке {unit} не проходит проверку: она сделана не ключом "
        "организатора этих выборов либо для других сведений или другой комиссии",
        "{unit} учаскесіндегі ұйымдастырушы қолтаңбасы тексеруден өтпейді: ол осы сайлаудың "
        "ұйымдастырушы кілтімен жасалмаған не басқа мәліметтер немесе басқа комиссия үшін "
        "жасалған",
        "the organiser's signature on the station of unit {unit} does not verify: it is not "
        "the election's organiser key's, or it was made for other details or another "
        "commission",
    ),
    # -- paper results (protocol/paper.py, service/paper.py): what a commission is told
    "msg.paper.mixed": (
        "вопрос {contest} считается перемешиванием: бумажные итоги с ним пока не "
        "объединить, поэтому это голосование бумажных итогов не принимает",
        "{contest} сұрағы араластыру арқылы саналады: қағаз қорытындыларын онымен әзірге "
        "біріктіру мүмкін емес, сондықтан бұл дауыс беру қағаз қорытындыларын қабылдамайды",
        "contest {contest} is counted by mixing: paper results cannot be combined with it "
        "yet, so this election takes no paper results",
    ),
    "msg.paper.number": (
        "{what}: должно быть целое число от 0 до {most}",
        "{what}: 0-ден {most}-ге дейінгі бүтін сан болуы керек",
        "{what} must be a whole number from 0 to {most}",
    ),
    "msg.paper.received": (
        "получено бюллетеней ({received}) должно быть равно сумме выданных ({issued}), "
        "испорченных ({spoiled}) и неиспользованных ({unused})",
        "алынған бюллетеньдер ({received}) берілген ({issued}), бүлінген ({spoiled}) және "
        "пайдаланылмаған ({unused}) бюллетеньдердің қосындысына тең болуы керек",
        "ballots received ({received}) must equal issued ({issued}) + spoiled ({spoiled}) "
        "+ unused ({unused})",
    ),
    "msg.paper.in_box": (
        "бюллетеней в ящике ({in_box}) не может быть больше, чем выдано ({issued})",
        "жәшіктегі бюллетеньдер ({in_box}) берілгеннен ({issued}) көп бола алмайды",
        "ballots in the box ({in_box}) cannot be more than issued ({issued})",
    ),
    "msg.paper.issued": (
        "выдано бюллетеней ({issued}) должно быть столько же, сколько избирателей в списке "
        "получивших бюллетень ({voters})",
        "берілген бюллетеньдер ({issued}) бюллетень алған сайлаушылар тізіміндегі санға "
        "({voters}) тең болуы керек",
        "ballots issued ({issued}) must equal the voters listed as issued a ballot ({voters})",
    ),
    "msg.paper.contests": (
        "в итоговом протоколе участка должны быть вопросы {expected} в этом порядке, а не {given}",
        "учаскенің қорытынды хаттамасында {expected} сұрақтары осы ретпен болуы керек, "
        "{given} емес",
        "the protocol must list the contests {expected} in this order, not {given}",
    ),
    "msg.paper.options": (
        "вопрос {contest}: в итоговом протоколе участка должны быть варианты {options} в "
        "этом порядке",
        "{contest} сұрағы: учаскенің қорытынды хаттамасында {options} нұсқалары осы ретпен "
        "болуы керек",
        "contest {contest}: the protocol must count the options {options} in this order",
    ),
    "msg.paper.invalid": (
        "вопрос {contest}: недействительных бюллетеней ({invalid}) не может быть больше, "
        "чем бюллетеней в ящике ({in_box})",
        "{contest} сұрағы: жарамсыз бюллетеньдер ({invalid}) жәшіктегі бюллетеньдерден "
        "({in_box}) көп бола алмайды",
        "contest {contest}: invalid ballots ({invalid}) cannot be more than the ballots in "
        "the box ({in_box})",
    ),
    "msg.paper.marks": (
        "вопрос {contest}: в {valid} действительных бюллетенях без отметки за исключающий "
        "вариант от {least} до {most} отметок за кандидатов, а сумма их голосов равна {marks}",
        "{contest} сұрағы: ерекше нұсқа белгіленбеген {valid} жарамды бюллетеньде "
        "кандидаттарға {least}-ден {most}-ге дейін белгі бар, ал олардың дауыстарының "
        "қосындысы {marks}",
        "contest {contest}: {valid} valid ballots not marked for an exclusive option hold "
        "from {least} to {most} marks for candidates, the counts add up to {marks}",
    ),
    "msg.paper.option_count": (
        "вопрос {contest}: у варианта {option} {count} голосов — больше, чем {valid} "
        "действительных бюллетеней",
        "{contest} сұрағы: {option} нұсқасында {count} дауыс — {valid} жарамды бюллетеньнен көп",
        "contest {contest}: option {option} has {count} votes, more than the {valid} valid ballots",
    ),
    "msg.paper.exclusive": (
        "вопрос {contest}: бюллетеней с отметкой за исключающий вариант ({exclusive}) не "
        "может быть больше {valid} действительных",
        "{contest} сұрағы: ерекше нұсқа белгіленген бюллетеньдер ({exclusive}) {valid} "
        "жарамды бюллетеньнен көп бола алмайды",
        "contest {contest}: the ballots marked for an exclusive option ({exclusive}) cannot "
        "be more than the {valid} valid ballots",
    ),
    "msg.paper.issued_roll": (
        "выдано бюллетеней ({issued}) не может быть больше, чем избирателей участка в "
        "списке ({on_roll})",
        "берілген бюллетеньдер ({issued}) тізімдегі учаске сайлаушыларынан ({on_roll}) көп "
        "бола алмайды",
        "ballots issued ({issued}) cannot be more than the unit's voters on the roll ({on_roll})",
    ),
    "msg.paper.alpha": (
        "бумажные итоги участка {unit}: избиратель {row} списка зашифрован со случайностью "
        "другой строки",
        "{unit} учаскесінің қағаз қорытындылары: тізімдегі {row} сайлаушы басқа жолдың "
        "кездейсоқтығымен шифрланған",
        "the paper results of unit {unit}: listed voter {row} is encrypted with the "
        "randomness of another row",
    ),
    "msg.paper.too_many": (
        "участок {unit} уже передал бумажные итоги {most} раз: доска больше не принимает "
        "исправлений",
        "{unit} учаскесі қағаз қорытындыларын {most} рет жіберді: тақта енді түзетулерді "
        "қабылдамайды",
        "unit {unit} has sent its paper results {most} times: the board takes no more corrections",
    ),
    "msg.paper.sequence": (
        "бумажные итоги участка {unit} под номером {sequence}: доска принимает следующим "
        "номер {expected} (старую загрузку нельзя отправить снова)",
        "{unit} учаскесінің {sequence} нөмірлі қағаз қорытындылары: тақта келесі ретте "
        "{expected} нөмірін қабылдайды (ескі жүктемені қайта жіберуге болмайды)",
        "the paper results of unit {unit} numbered {sequence}: the board takes number "
        "{expected} next (an old upload cannot be sent again)",
    ),
    "msg.paper.previous": (
        "бумажные итоги участка {unit} под номером {sequence} не указывают загрузку "
        "{before} этого участка на доске как ту, которую они исправляют",
        "{unit} учаскесінің {sequence} нөмірлі қағаз қорытындылары тақтадағы осы учаскенің "
        "{before} жүктемесін өздері түзететін жүктеме ретінде көрсетпейді",
        "the paper results of unit {unit} numbered {sequence} do not name the unit's upload "
        "{before} on the board as the one they correct",
    ),
    "msg.paper.previous_first": (
        "бумажные итоги участка {unit} под номером 1 — его первые: они не исправляют "
        "никакую прежнюю загрузку",
        "{unit} учаскесінің 1 нөмірлі қағаз қорытындылары — оның алғашқылары: олар ешбір "
        "бұрынғы жүктемені түзетпейді",
        "the paper results of unit {unit} numbered 1 are the unit's first: they correct no "
        "earlier upload",
    ),
    "msg.paper.deadline": (
        "подсчёт начинается, когда все участки с бумажным голосованием объявили итоги "
        "окончательными, или через {hours} ч после окончания голосования; ещё ждём: {units}",
        "санау қағаз дауыс беру учаскелерінің бәрі қорытындыларын түпкілікті деп "
        "жариялағанда немесе дауыс беру аяқталғаннан кейін {hours} сағаттан соң басталады; "
        "әлі күтілетіндер: {units}",
        "the close begins once every polling station with paper voting has declared its "
        "results final, or {hours} hours after voting closed; still waiting for {units}",
    ),
    "msg.paper.signature": (
        "бумажные итоги участка {unit} не подписаны ключом комиссии этого участка",
        "{unit} учаскесінің қағаз қорытындыларына осы учаске комиссиясының кілтімен қол қойылмаған",
        "the paper results of unit {unit} are not signed with the key of the unit's commission",
    ),
    "msg.paper.proof": (
        "бумажные итоги участка {unit}: доказательство избирателя {row} из списка не "
        "сходится на своём месте",
        "{unit} учаскесінің қағаз қорытындылары: тізімдегі {row} сайлаушының дәлелі өз "
        "орнында расталмайды",
        "the paper results of unit {unit}: the proof of listed voter {row} does not verify "
        "at its place",
    ),
    "msg.paper.twice": (
        "избиратель указан дважды: каждому выдаётся не более одного бумажного бюллетеня",
        "сайлаушы екі рет көрсетілген: әркімге бір қағаз бюллетеньнен артық берілмейді",
        "a voter is listed twice: each voter is issued at most one paper ballot",
    ),
    "msg.paper.revoting": (
        "бумажные итоги принимаются только в голосовании с защитой от принуждения "
        "(повторным голосованием)",
        "қағаз қорытындылары тек мәжбүрлеуден қорғалған (қайта дауыс беруі бар) дауыс "
        "беруде қабылданады",
        "paper results are taken only in an election with re-voting protection",
    ),
    "msg.paper.no_station": (
        "в округе {unit} нет избирательного участка с голосованием на бумаге",
        "{unit} округінде қағазбен дауыс беретін сайлау учаскесі жоқ",
        "unit {unit} has no polling station with paper voting",
    ),
    "msg.paper.final": (
        "комиссия участка {unit} объявила бумажные итоги окончательными: доска больше не "
        "принимает загрузок этого участка",
        "{unit} учаскесінің комиссиясы қағаз қорытындыларын түпкілікті деп жариялады: тақта "
        "бұл учаскенің жүктеулерін енді қабылдамайды",
        "the commission of unit {unit} has declared its paper results final: the board takes "
        "no more uploads of the unit",
    ),
    "msg.paper.close_begun": (
        "подсчёт уже начался: бумажные итоги больше нельзя изменить",
        "санау басталып кетті: қағаз қорытындыларын енді өзгертуге болмайды",
        "the close has begun: paper results can no longer be changed",
    ),
    "msg.paper.unit": (
        "эти бумажные итоги относятся к участку {given}, а не к {unit}",
        "бұл қағаз қорытындылары {unit} емес, {given} учаскесіне жатады",
        "these paper results are of unit {given}, not of {unit}",
    ),
    "msg.paper.json": (
        "отправьте бумажные итоги как application/json",
        "қағаз қорытындыларын application/json ретінде жіберіңіз",
        "send the paper results as application/json",
    ),
    "msg.paper.no_handles": (
        "в списке избирателей ещё нет их меток: выгрузите бумажный список после загрузки "
        "зашифрованного списка",
        "сайлаушылар тізімінде әлі олардың белгілері жоқ: қағаз тізімін шифрланған тізім "
        "жүктелгеннен кейін алыңыз",
        "the roll has no voters' handles yet: export the paper roll after the encrypted roll "
        "is uploaded",
    ),
}
