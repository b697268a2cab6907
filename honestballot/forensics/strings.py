"""The report's words in Russian, Kazakh and English: key -> (ru, kk, en).

``text(key, lang, **values)`` formats one; a test checks every key has all three.
"""

from __future__ import annotations

LANGUAGES = ("ru", "kk", "en")

STRINGS: dict[str, tuple[str, str, str]] = {
    "title": (
        "Статистический анализ результатов по участкам",
        "Учаскелер бойынша нәтижелерді статистикалық талдау",
        "Statistical forensics of per-station results",
    ),
    "source": ("Файл", "Файл", "File"),
    "summary": (
        "Участков: {stations}; регионов: {regions}; лидер: {leader}; строк с ошибками: {bad}.",
        "Учаскелер: {stations}; өңірлер: {regions}; көшбасшы: {leader}; қате жолдар: {bad}.",
        "Stations: {stations}; regions: {regions}; leader: {leader}; rows with errors: {bad}.",
    ),
    "caveat": (
        "Статистические признаки — повод для проверки, а не доказательство фальсификации: "
        "у каждого метода есть честные объяснения отклонений (см. ограничения ниже).",
        "Статистикалық белгілер — тексеруге себеп, бұрмалаудың дәлелі емес: әр әдістің "
        "ауытқуларына адал түсініктемелер бар (төмендегі шектеулерді қараңыз).",
        "Statistical signs are a reason to look closer, not proof of fraud: every method's "
        "deviations have honest explanations too (see the limits below).",
    ),
    "method": ("Метод", "Әдіс", "Method"),
    "reference": ("Источник", "Дереккөз", "Reference"),
    "integer.title": (
        "Избыток целых процентов",
        "Бүтін пайыздардың артықтығы",
        "Excess of integer percentages",
    ),
    "integer.what": (
        "Участки, где явка или результат лидера равны целому числу процентов (±0,05 п.п.), "
        "в сравнении с моделью Монте-Карло ({reps} повторений, биномиальный шум). "
        "Включены участки с ≥100 избирателями, явкой и результатом ≤99 %: {n}.",
        "Келу немесе көшбасшы нәтижесі бүтін пайызға тең (±0,05 п.т.) учаскелер Монте-Карло "
        "моделімен ({reps} қайталау, биномдық шу) салыстырылады. ≥100 сайлаушы, келу мен "
        "нәтиже ≤99 % учаскелер енгізілді: {n}.",
        "Stations whose turnout or leader's share is a whole percent (±0.05 points), against "
        "a Monte-Carlo null ({reps} repetitions, binomial noise). Included: stations with "
        "≥100 voters, turnout and share ≤99 %: {n}.",
    ),
    "kind.either": ("явка или результат", "келу немесе нәтиже", "turnout or share"),
    "kind.turnout": ("явка", "келу", "turnout"),
    "kind.share": ("результат лидера", "көшбасшы нәтижесі", "leader's share"),
    "weight.stations": ("участки", "учаскелер", "stations"),
    "weight.voters": ("избиратели", "сайлаушылар", "voters"),
    "weight.given": ("выданные бюллетени", "берілген бюллетеньдер", "ballots given"),
    "weight.leader": ("голоса лидера", "көшбасшы дауыстары", "leader's votes"),
    "col.kind": ("что целое", "не бүтін", "integer in"),
    "col.weight": ("считаем", "санаймыз", "counting"),
    "col.observed": ("наблюдается", "байқалды", "observed"),
    "col.expected": ("ожидается", "күтілді", "expected"),
    "col.excess": ("избыток", "артықтық", "excess"),
    "col.sd": ("СКО МК", "МК орт. ауытқу", "MC s.d."),
    "col.q999": ("99,9-й перц. − среднее", "99,9 перц. − орташа", "99.9th pct − mean"),
    "col.p": ("p", "p", "p"),
    "col.region": ("регион", "өңір", "region"),
    "col.rank": ("№", "№", "#"),
    "col.stations": ("участков", "учаскелер", "stations"),
    "col.z": ("z избытка", "артықтық z", "excess z"),
    "col.q": ("q (FDR)", "q (FDR)", "q (FDR)"),
    "col.shp_excess": ("избыток Шпилькина", "Шпилькин артықтығы", "Shpilkin excess"),
    "col.turnout": ("явка", "келу", "turnout"),
    "col.klimek": ("Климек f_i / f_e", "Климек f_i / f_e", "Klimek f_i / f_e"),
    "col.share": ("результат лидера", "көшбасшы нәтижесі", "leader's share"),
    "col.digits_p": ("цифры, мин. p", "цифрлар, мин. p", "digits, min p"),
    "col.column": ("столбец", "баған", "column"),
    "col.test": ("тест", "тест", "test"),
    "col.n": ("n", "n", "n"),
    "col.chi2": ("χ²", "χ²", "χ²"),
    "col.holm": ("p (Холм)", "p (Холм)", "p (Holm)"),
    "col.mean": ("среднее", "орташа", "mean"),
    "col.line": ("строка", "жол", "line"),
    "col.reason": ("причина", "себеп", "reason"),
    "col.detail": ("подробно", "толығырақ", "detail"),
    "col.candidate": ("кандидат", "кандидат", "candidate"),
    "col.poll": ("экзит-пол, 95 %", "экзит-пол, 95 %", "exit poll, 95 %"),
    "col.refusal_bounds": ("границы из-за отказов", "бас тарту шекаралары", "refusal bounds"),
    "col.official": (
        "официально (те же участки)",
        "ресми (сол учаскелер)",
        "official (same stations)",
    ),
    "col.official_whole": (
        "официально (весь регион)",
        "ресми (бүкіл өңір)",
        "official (whole region)",
    ),
    "col.deff": ("эффект дизайна", "дизайн әсері", "design effect"),
    "col.refusal_rate": ("доля отказов", "бас тарту үлесі", "refusal rate"),
    "col.flag": ("вывод", "қорытынды", "finding"),
    "col.station": ("участок", "учаске", "station"),
    "all": ("все участки опроса", "сауалнаманың барлық учаскелері", "all polled stations"),
    "flag.outside": ("расходится", "сәйкес емес", "differs"),
    "flag.beyond": (
        "расходится сильнее, чем могут объяснить отказы",
        "бас тартулар түсіндіре алмайтындай сәйкес емес",
        "differs beyond what refusals can explain",
    ),
    "flag.none": ("в пределах", "шегінде", "within"),
    "integer.chart": (
        "Число участков в интервалах 0,1 п.п.; целые проценты отмечены точками",
        "0,1 п.т. аралықтағы учаскелер саны; бүтін пайыздар нүктемен белгіленген",
        "Stations per 0.1-point bin; whole percents marked with dots",
    ),
    "null.chart": (
        "Распределение числа «целых» участков в модели Монте-Карло и наблюдаемое значение",
        "Монте-Карло моделіндегі «бүтін» учаскелер санының таралуы және байқалған мән",
        "Monte-Carlo null distribution of integer stations, and the observed count",
    ),
    "observed": ("наблюдается", "байқалды", "observed"),
    "mc_null": ("модель МК", "МК моделі", "MC null"),
    "stations_axis": ("участков", "учаскелер", "stations"),
    "turnout_axis": ("Явка, %", "Келу, %", "Turnout, %"),
    "share_axis": ("Результат лидера, %", "Көшбасшы нәтижесі, %", "Leader's share, %"),
    "votes_axis": ("Доля голосов, %", "Дауыстар үлесі, %", "Share of the votes, %"),
    "integer_axis": ("участков с целыми %", "бүтін % учаскелер", "stations at integer %"),
    "shpilkin.title": ("Метод Шпилькина", "Шпилькин әдісі", "Shpilkin's method"),
    "shpilkin.what": (
        "Отношение голосов лидера к голосам остальных на участках с явкой не выше пика "
        "({peak} %) переносится на участки с большей явкой; разница — оценка лишних голосов.",
        "Келуі шыңнан ({peak} %) аспайтын учаскелердегі көшбасшы дауыстарының қалғандарға "
        "қатынасы келуі жоғары учаскелерге көшіріледі; айырма — артық дауыстардың бағасы.",
        "The leader-to-others ratio at stations with turnout at or below the peak ({peak} %) "
        "is carried to higher-turnout stations; the difference estimates excess votes.",
    ),
    "shpilkin.result": (
        "Лишних голосов: {excess}; результат лидера {official} → {corrected}; явка "
        "{turnout} → {corrected_turnout}; p (перестановки) = {p}.",
        "Артық дауыстар: {excess}; көшбасшы нәтижесі {official} → {corrected}; келу "
        "{turnout} → {corrected_turnout}; p (ауыстырулар) = {p}.",
        "Excess votes: {excess}; leader's share {official} → {corrected}; turnout "
        "{turnout} → {corrected_turnout}; p (permutations) = {p}.",
    ),
    "shpilkin.chart": (
        "Голоса по интервалам явки в 1 п.п.",
        "1 п.т. келу аралықтары бойынша дауыстар",
        "Votes per 1-point turnout bin",
    ),
    "leader_votes": ("голоса лидера", "көшбасшы дауыстары", "leader's votes"),
    "other_votes": ("голоса остальных", "қалғандардың дауыстары", "others' votes"),
    "klimek.title": (
        "«Отпечаток» явка × результат (Климек и др.)",
        "Келу × нәтиже «саусақ ізі» (Климек және т.б.)",
        "Turnout × share fingerprint (Klimek et al.)",
    ),
    "klimek.result": (
        "Подобранная модель: доля участков с «постепенной» фальсификацией f_i = {fi}, с "
        "«крайней» f_e = {fe}, α = {alpha}; честный пик: явка {tau} %, результат {nu} %. "
        "Описательная оценка, не тест.",
        "Таңдалған модель: «біртіндеп» бұрмаланған учаскелер үлесі f_i = {fi}, «шекті» "
        "f_e = {fe}, α = {alpha}; адал шың: келу {tau} %, нәтиже {nu} %. Сипаттамалық баға, "
        "тест емес.",
        "Fitted model: fraction with incremental fraud f_i = {fi}, extreme fraud f_e = {fe}, "
        "α = {alpha}; honest peak: turnout {tau} %, share {nu} %. Descriptive, not a test.",
    ),
    "klimek.observed": ("данные", "деректер", "data"),
    "klimek.fitted": ("модель", "модель", "model"),
    "digits.title": (
        "Тесты последней и второй цифры (слабые признаки)",
        "Соңғы және екінші цифр тесттері (әлсіз белгілер)",
        "Last-digit and second-digit tests (weak signals)",
    ),
    "digits.what": (
        "Последняя цифра чисел ≥100 против равномерного распределения; вторая цифра чисел "
        "≥10 против закона Бенфорда (2BL). Поправка Холма по всем тестам. Честные данные "
        "тоже могут не пройти эти тесты: это слабые, вторичные признаки.",
        "≥100 сандардың соңғы цифры біркелкі үлестірімге қарсы; ≥10 сандардың екінші цифры "
        "Бенфорд заңына қарсы (2BL). Барлық тесттерге Холм түзетуі. Адал деректер де бұл "
        "тесттерден өтпеуі мүмкін: бұл әлсіз, қосалқы белгілер.",
        "Last digit of counts ≥100 against uniform; second digit of counts ≥10 against "
        "Benford's law (2BL). Holm's correction over all tests. Honest counts can fail "
        "these too: they are weak, secondary signals.",
    ),
    "test.last": ("последняя цифра", "соңғы цифр", "last digit"),
    "test.second": ("вторая цифра (2BL)", "екінші цифр (2BL)", "second digit (2BL)"),
    "regions.title": ("Регионы, по рангу", "Өңірлер, дәрежесі бойынша", "Regions, ranked"),
    "regions.what": (
        "Все методы по каждому региону; ранг — по z избытка целых процентов, затем по доле "
        "лишних голосов Шпилькина. q — поправка Бенджамини–Хохберга по регионам.",
        "Әр өңір бойынша барлық әдістер; дәреже — бүтін пайыздар артықтығының z бойынша, "
        "сосын Шпилькин артық дауыстарының үлесі бойынша. q — өңірлер бойынша "
        "Бенджамини–Хохберг түзетуі.",
        "Every method per region; ranked by the integer excess's z, then by Shpilkin's "
        "excess share. q: Benjamini-Hochberg over regions.",
    ),
    "exit.title": (
        "Экзит-пол и официальный подсчёт",
        "Экзит-пол және ресми санау",
        "Exit poll and the official count",
    ),
    "exit.what": (
        "Организация: {org}. Отбор участков: {stations}. Отбор респондентов: {respondents}. "
        "Интервалы учитывают кластерный дизайн (участки — кластеры). Отказов: {refusal}; "
        "интервал не устраняет смещение из-за отказов — границы показывают, что могли бы "
        "дать отказавшиеся в худшем случае.",
        "Ұйым: {org}. Учаскелерді іріктеу: {stations}. Респонденттерді іріктеу: "
        "{respondents}. Аралықтар кластерлік дизайнды ескереді (учаскелер — кластерлер). "
        "Бас тартулар: {refusal}; аралық бас тарту ығысуын жоймайды — шекаралар ең нашар "
        "жағдайды көрсетеді.",
        "Organisation: {org}. Stations chosen: {stations}. Respondents picked: "
        "{respondents}. Intervals allow for the cluster design (stations are clusters). "
        "Refusals: {refusal}; no interval removes refusal bias: the bounds show what the "
        "refusers could have changed at worst.",
    ),
    "exit.nonrandom": (
        "Участки отобраны не случайно: сравнение с результатом всего региона не обосновано "
        "дизайном; надёжно только сравнение на тех же участках.",
        "Учаскелер кездейсоқ іріктелмеген: бүкіл өңір нәтижесімен салыстыру дизайнмен "
        "негізделмеген; тек сол учаскелердегі салыстыру сенімді.",
        "Stations were not chosen at random: comparing with the whole region's result is not "
        "supported by the design; only the same-station comparison is.",
    ),
    "exit.stations": (
        "Отдельные участки (только как сигнал; поправка Бонферрони на {tests} тестов, |z| > {z}):",
        "Жеке учаскелер (тек белгі ретінде; {tests} тестке Бонферрони түзетуі, |z| > {z}):",
        "Single stations (flags only; Bonferroni over {tests} tests, |z| > {z}):",
    ),
    "exit.chart": (
        "Экзит-пол (95 %, кластерный) и официальный результат на тех же участках",
        "Экзит-пол (95 %, кластерлік) және сол учаскелердегі ресми нәтиже",
        "Exit poll (95 %, clustered) and the official result at the same stations",
    ),
    "bad.title": ("Строки, не вошедшие в анализ", "Талдауға енбеген жолдар", "Rows left out"),
    "bad.blank": ("пустая строка", "бос жол", "empty line"),
    "bad.fields": ("неверное число полей", "өрістер саны қате", "wrong number of fields"),
    "bad.missing_id": ("нет региона или участка", "өңір немесе учаске жоқ", "no region or station"),
    "bad.not_number": ("не число", "сан емес", "not a number"),
    "bad.negative": ("отрицательное число", "теріс сан", "negative count"),
    "bad.valid_over_given": (
        "действительных бюллетеней больше, чем выдано",
        "жарамды бюллетеньдер берілгеннен көп",
        "more valid ballots than ballots given",
    ),
    "bad.votes_over_valid": (
        "голосов больше, чем действительных бюллетеней",
        "дауыстар жарамды бюллетеньдерден көп",
        "more votes than valid ballots",
    ),
    "bad.duplicate": ("повтор участка", "учаске қайталанды", "duplicate station"),
    "bad.no_turnout": ("нет данных о явке", "келу деректері жоқ", "no turnout figures"),
    "bad.poll_row": ("неверная запись опроса", "сауалнама жазбасы қате", "malformed poll entry"),
    "bad.poll_empty": ("нет респондентов", "респонденттер жоқ", "no respondents"),
    "bad.poll_station": (
        "участок не найден в результатах",
        "учаске нәтижелерде табылмады",
        "station not in the results",
    ),
    "bad.poll_option": (
        "кандидат не найден в результатах",
        "кандидат нәтижелерде табылмады",
        "candidate not in the results",
    ),
    "no_turnout": (
        "В файле нет числа избирателей: методы, которым нужна явка, пропущены.",
        "Файлда сайлаушылар саны жоқ: келуді қажет ететін әдістер өткізілді.",
        "The file has no registered-voter counts: the methods that need turnout are skipped.",
    ),
    "limits.title": ("Ограничения", "Шектеулер", "Limits"),
    "limits.text": (
        "Целые проценты: маленькие участки дают «целые» значения чаще — это учтено моделью. "
        "Шпилькин: предполагает, что без фальсификаций результат не зависит от явки; "
        "различия город/село это нарушают. Климек: модель грубая, доли — описание формы. "
        "Цифры: слабые признаки. Экзит-пол: отказы и ответы неправдой смещают выборку.",
        "Бүтін пайыздар: шағын учаскелер «бүтін» мәндерді жиірек береді — бұл модельде "
        "ескерілген. Шпилькин: бұрмаламаусыз нәтиже келуге тәуелсіз деп болжайды; қала/ауыл "
        "айырмашылығы мұны бұзады. Климек: модель дөрекі, үлестер — пішіннің сипаттамасы. "
        "Цифрлар: әлсіз белгілер. Экзит-пол: бас тартулар мен жалған жауаптар ығыстырады.",
        "Integer percents: small stations hit integers more often; the null allows for it. "
        "Shpilkin: assumes that without fraud the share does not depend on turnout; "
        "urban/rural differences break that. Klimek: a coarse model; its fractions describe "
        "the shape. Digits: weak signals. Exit polls: refusals and untrue answers bias them.",
    ),
    "footer": (
        "Создано командой honestballot forensics. Подробности: docs/forensics.md.",
        "honestballot forensics командасымен жасалды. Толығырақ: docs/forensics.md.",
        "Made by honestballot forensics. Details: docs/forensics.md.",
    ),
    "cli.read": (
        "прочитано участков: {stations}, строк с ошибками: {bad}",
        "оқылған учаскелер: {stations}, қате жолдар: {bad}",
        "read {stations} stations, {bad} rows with errors",
    ),
}


def text(key: str, lang: str, **values: object) -> str:
    entry = STRINGS[key]
    s = entry[LANGUAGES.index(lang)] if lang in LANGUAGES else entry[2]
    return s.format(**values) if values else s
