"""The integrity audit's findings as the organiser's page says them, in Russian, Kazakh
and English: ``audit.<check>.title`` (``.<variant>`` where a check has several), the
rule it applies (``audit.<check>.rule``), what its count counts (``audit.unit.<unit>``)
and the rows it passed over (``audit.skipped.<column>``).  The ``{name}`` fields are the
finding's ``params`` (``honestballot.audit.findings.Finding``).
"""

from __future__ import annotations

#: key -> (ru, kk, en)
STRINGS: dict[str, tuple[str, str, str]] = {
    "organiser.audit.file.roll": ("список", "тізім", "roll"),
    "organiser.audit.file.activity": ("журнал активности", "белсенділік журналы", "activity log"),
    # what a count counts: the plain key is the form after "many" (5, 11, 0: "5 записей"),
    # .one after 1, 21, 101 ("21 запись"), .few after 2-4, 22-24 ("3 записи"); Kazakh
    # says the singular after every number, English the plural (as the outputs always did):
    # their .one and .few are the word's forms, not said by the audit today
    "audit.unit.records": ("записей", "жазба", "records"),
    "audit.unit.records.one": ("запись", "жазба", "record"),
    "audit.unit.records.few": ("записи", "жазба", "records"),
    "audit.unit.voters": ("избирателей", "сайлаушы", "voters"),
    "audit.unit.voters.one": ("избиратель", "сайлаушы", "voter"),
    "audit.unit.voters.few": ("избирателя", "сайлаушы", "voters"),
    "audit.unit.ballots": ("бюллетеней", "бюллетень", "ballots"),
    "audit.unit.ballots.one": ("бюллетень", "сайлау бюллетені", "ballot"),
    "audit.unit.ballots.few": ("бюллетеня", "сайлау бюллетені", "ballots"),
    "audit.unit.organisations": ("организаций", "ұйым", "organisations"),
    "audit.unit.organisations.one": ("организация", "ұйым", "organisation"),
    "audit.unit.organisations.few": ("организации", "ұйым", "organisations"),
    "audit.unit.rows": ("строк", "жол", "rows"),
    "audit.unit.rows.one": ("строка", "жол", "row"),
    "audit.unit.rows.few": ("строки", "жол", "rows"),
    "audit.skipped.birth_date": (
        "Не применялось к строкам без даты рождения: {skipped}.",
        "Туған күні жоқ жолдарға қолданылмады: {skipped}.",
        "Not applied to rows without a birth date: {skipped}.",
    ),
    "audit.skipped.enrolled_at": (
        "Не применялось к строкам без времени записи: {skipped}.",
        "Тіркелу уақыты жоқ жолдарға қолданылмады: {skipped}.",
        "Not applied to rows without an enrolment time: {skipped}.",
    ),
    # -- the roll --------------------------------------------------------------------------
    "audit.id.check_digit.title": (
        "Идентификационные номера, не проходящие проверку (ИИН или СНИЛС)",
        "Тексеруден өтпейтін жеке сәйкестендіру нөмірлері (ЖСН немесе СНИЛС)",
        "National IDs that fail their check (IIN or SNILS)",
    ),
    "audit.id.check_digit.rule": (
        "ИИН: контрольная цифра (веса 1…11, затем 3…11, 1, 2, по модулю 11), цифра века "
        "и зашифрованная дата; СНИЛС: контрольная сумма по модулю 101. Вид номера — из "
        "столбца id_kind или по длине (12 — ИИН, 11 — СНИЛС).",
        "ЖСН: бақылау саны (салмақтары 1…11, содан кейін 3…11, 1, 2, 11 модулі бойынша), "
        "ғасыр саны және кодталған күн; СНИЛС: 101 модулі бойынша бақылау қосындысы. Нөмір "
        "түрі id_kind бағанынан немесе ұзындығынан анықталады (12 — ЖСН, 11 — СНИЛС).",
        "IIN: control digit (weights 1..11, then 3..11, 1, 2, mod 11), century digit and "
        "encoded date; SNILS: checksum mod 101. The kind comes from the id_kind column or "
        "the length (12 = IIN, 11 = SNILS).",
    ),
    "audit.id.duplicate.title": (
        "Идентификационные номера, встречающиеся в нескольких строках",
        "Бірнеше жолда кездесетін жеке сәйкестендіру нөмірлері",
        "National IDs that appear on more than one row",
    ),
    "audit.id.duplicate.rule": (
        "Один номер — один человек: любой повтор считается находкой.",
        "Бір нөмір — бір адам: кез келген қайталану табылған деп есептеледі.",
        "One ID, one person: any repeat is a finding.",
    ),
    "audit.id.birth_date_mismatch.title": (
        "ИИН, дата рождения в которых расходится с датой в списке",
        "Ішіндегі туған күні тізімдегі күнмен сәйкес келмейтін ЖСН-дер",
        "IINs whose encoded birth date differs from the roll's birth date",
    ),
    "audit.id.birth_date_mismatch.rule": (
        "Верный ИИН, но его дата (ГГММДД и цифра века) не равна столбцу birth_date.",
        "ЖСН дұрыс, бірақ оның күні (ЖЖААКК және ғасыр саны) birth_date бағанына тең емес.",
        "A valid IIN whose date (YYMMDD and century digit) is not the birth_date column.",
    ),
    "audit.roll.impossible_birth_date.title": (
        "Невозможные даты рождения (такого дня нет или он позже расчётного дня)",
        "Болуы мүмкін емес туған күндер (мұндай күн жоқ немесе ол есептік күннен кейін)",
        "Birth dates that cannot be real (no such day, or after the reference day)",
    ),
    "audit.roll.impossible_birth_date.rule": (
        "birth_date — не календарная дата или позже {day}.",
        "birth_date — күнтізбелік күн емес немесе {day} күнінен кейін.",
        "birth_date is not a calendar date, or later than {day}.",
    ),
    "audit.roll.implausible_age.title": (
        "Избиратели младше {min} или старше {max} лет",
        "Жасы {min}…{max} аралығынан тыс сайлаушылар",
        "Voters younger than {min} or older than {max}",
    ),
    "audit.roll.implausible_age.rule": (
        "Возраст на {day} вне границ {min}…{max} лет.",
        "{day} күнгі жасы {min}…{max} жас аралығынан тыс.",
        "Age on {day} outside {min}..{max} years.",
    ),
    "audit.enrol.closed_window.title.unconfirmed": (
        "Записаны, когда запись была закрыта (личность не подтверждена)",
        "Тіркеу жабық кезде тіркелгендер (жеке басы расталмаған)",
        "Enrolled while enrolment was closed (never confirmed)",
    ),
    "audit.enrol.closed_window.title.confirmed": (
        "Записаны, когда запись была закрыта (личность подтверждена)",
        "Тіркеу жабық кезде тіркелгендер (жеке басы расталған)",
        "Enrolled while enrolment was closed (confirmed)",
    ),
    "audit.enrol.closed_window.rule": (
        "Время записи (enrolled_at) попадает в закрытый период: {windows}.",
        "Тіркелу уақыты (enrolled_at) жабық кезеңге түседі: {windows}.",
        "The enrolment time (enrolled_at) falls in a closed window: {windows}.",
    ),
    "audit.enrol.unconfirmed.title": (
        "Личность так и не подтверждена",
        "Жеке басы ешқашан расталмаған",
        "Identities never confirmed",
    ),
    "audit.enrol.unconfirmed.rule": (
        "В столбце confirmed — «нет».",
        "confirmed бағанында — «жоқ».",
        "The confirmed column says no.",
    ),
    "audit.input.bad_row.title": (
        "Строки с ошибками формата (пропущены, не проверены)",
        "Пішімі қате жолдар (өткізіп жіберілді, тексерілмеді)",
        "Malformed input rows skipped (not audited)",
    ),
    "audit.input.bad_row.rule": (
        "Строки, не подходящие под формат из docs/audit.md; они перечислены, а не отброшены молча.",
        "docs/audit.md пішіміне сай келмейтін жолдар; олар үнсіз тасталмайды, тізіліп көрсетіледі.",
        "Rows that fail the format in docs/audit.md; listed, never silently dropped.",
    ),
    # -- the activity log ------------------------------------------------------------------
    "audit.activity.unknown_voter.title": (
        "События журнала для избирателей, которых нет в списке",
        "Тізімде жоқ сайлаушыларға арналған журнал оқиғалары",
        "Log events for voters who are not on the roll",
    ),
    "audit.session.many_voters.title": (
        "Избиратели в одном сеансе браузера (группы по {size} человек)",
        "Бір браузер сеансындағы сайлаушылар ({size} адамнан тұратын топтар)",
        "Voters sharing one session (clusters of {size} voters)",
    ),
    "audit.session.many_voters.rule": (
        "Больше одного избирателя в одном сеансе браузера — всегда находка (от {low}).",
        "Бір браузер сеансында бірден көп сайлаушы болуы әрқашан табылған деп "
        "есептеледі (кемінде {low}).",
        "More than one voter in one browser session is always a finding (from {low}).",
    ),
    "audit.cast.address_burst.title.dominated": (
        "Всплески бюллетеней с одного адреса, где преобладает одна организация",
        "Бір мекенжайдан түскен бюллетеньдер толқыны, онда бір ұйым басым",
        "Ballot bursts from one address, dominated by one organisation",
    ),
    "audit.cast.address_burst.title.shared": (
        "Всплески бюллетеней с одного адреса, общего с другими избирателями",
        "Басқа сайлаушылармен ортақ бір мекенжайдан түскен бюллетеньдер толқыны",
        "Ballot bursts from one address, shared with other traffic",
    ),
    "audit.cast.address_burst.rule": (
        "Избиратели одной организации отправили не меньше {n} бюллетеней с одного адреса "
        "за {w} мин, в {lift} и более раз чаще своего среднего темпа на этом адресе. "
        "Оценка = пик × (пик / все избиратели адреса в этом окне); средняя степень от "
        "{medium}, высокая от {high}. Учитываются только всплески среди тишины (за "
        "{quiet_min} мин до и после — не больше {quiet} % всплеска с этого адреса) там, где "
        "такими всплесками пришло больше {gathered} % бюллетеней организации с этого адреса "
        "или не меньше {hour_share} % из них — за один час, а также всплески среди тишины от "
        "{big} бюллетеней, в {big_lift} и более раз выше среднего темпа организации на этом "
        "адресе за 8-часовой рабочий день: "
        "это сбор людей, а не перемена между парами или пересменка в сети, которой "
        "пользуются каждый день. Учитывается и всплеск внутри волны организации "
        "(cast.organisation_burst) на адресе, где в её волны пришло больше {gathered} % её "
        "бюллетеней с этого адреса.",
        "Бір ұйымның сайлаушылары бір мекенжайдан {w} минутта кемінде {n} бюллетень "
        "жіберген, бұл олардың осы мекенжайдағы орташа қарқынынан {lift} және одан көп есе "
        "жиі. Баға = шың × (шың / осы терезедегі мекенжайдың барлық сайлаушысы); орташа "
        "дәреже — кемінде {medium}, жоғары — кемінде {high}. Тек тыныштықтағы толқындар "
        "ескеріледі (алдындағы және кейінгі {quiet_min} минутта осы мекенжайдан толқынның "
        "{quiet} %-ынан аспайды), әрі ұйымның осы мекенжайдан түскен бюллетеньдерінің "
        "{gathered} %-ынан көбі осындай толқындармен не кемінде {hour_share} %-ы бір сағатта "
        "келген, сондай-ақ ұйымның осы мекенжайдағы 8 сағаттық жұмыс күніндегі орташа "
        "қарқынынан {big_lift} және одан көп есе жоғары, кемінде {big} бюллетеньнен тұратын "
        "тыныштықтағы толқындар: бұл — адамдарды жинау, күнде "
        "қолданылатын желідегі сабақ арасындағы үзіліс не ауысым емес. Ұйым толқынының "
        "(cast.organisation_burst) ішіндегі толқын да ескеріледі, егер осы мекенжайдан түскен "
        "бюллетеньдерінің {gathered} %-ынан көбі сол толқындарға түссе.",
        "One organisation's voters cast at least {n} ballots from one address within {w} "
        "min, at {lift}x or more that organisation's average rate at the address. Score = "
        "peak x (peak / all voters at the address in that window); medium from {medium}, "
        "high from {high}. Only bursts out of quiet count (in the {quiet_min} min before "
        "and after, at most {quiet} % of the burst from that address), at an address where "
        "more than {gathered} % of the organisation's ballots from it came in such bursts, or "
        "at least {hour_share} % within one hour, and bursts out of quiet of {big} or more at "
        "{big_lift}x or more the organisation's average rate at the address over an 8-hour "
        "working day: "
        "a gathering, not the rush of a lecture break or a shift change on a network in "
        "daily use. A burst inside the organisation's waves (cast.organisation_burst) counts "
        "too, at an address where more than {gathered} % of its ballots from there fell in "
        "those waves.",
    ),
    "audit.turnout.abnormal_curve.title": (
        "Организации, чья явка по часам заметно отличается от остальных",
        "Сағат бойынша келуі басқалардан айтарлықтай өзгеше ұйымдар",
        "Organisations whose turnout curve departs from the rest",
    ),
    # -- graded after the audit on real-life rolls (issue 19) ----------------------------
    "audit.contact.shared_phone.title": (
        "Избиратели с одним номером телефона",
        "Бір телефон нөмірі бар сайлаушылар",
        "Voters sharing one phone number",
    ),
    "audit.contact.shared_phone.title.high": (
        "Избиратели с одним номером телефона (высокая: незнакомые люди действуют вместе, или это "
        "большая группа)",
        "Бір телефон нөмірі бар сайлаушылар (жоғары: бейтаныс адамдар бірге әрекет етеді немесе "
        "бұл үлкен топ)",
        "Voters sharing one phone number (high: strangers acting together or a large cluster)",
    ),
    "audit.contact.shared_phone.title.medium": (
        "Избиратели с одним номером телефона (средняя: неродственные люди)",
        "Бір телефон нөмірі бар сайлаушылар (орташа: туыс емес адамдар)",
        "Voters sharing one phone number (medium: unrelated people)",
    ),
    "audit.contact.shared_phone.title.low": (
        "Избиратели с одним номером телефона (низкая: пара, семья или община)",
        "Бір телефон нөмірі бар сайлаушылар (төмен: жұп, отбасы немесе қауым)",
        "Voters sharing one phone number (low: a pair, a family or a community)",
    ),
    "audit.contact.shared_phone.rule": (
        "Различные идентификационные номера на одном номере телефона, с оценкой по признакам: "
        "низкая — пара, семья (общий корень фамилии, отчество и возраст или один домашний "
        "адрес), одно село или одна организация (для адреса e-mail — коллеги на собственном "
        "домене организации, а не в общедоступном почтовом сервисе); высокая — если "
        "неродственные участники входят с одного устройства, или трое и более — с небольшого "
        "адреса, который не является сетью их организации, или один оператор внёс шестерых и "
        "более за неделю (средняя — меньше шести); средняя — от трёх до девяти неродственных "
        "людей, высокая — от десяти.",
        "Бір телефон нөмірі бойынша әртүрлі жеке сәйкестендіру нөмірлері, белгілері бойынша "
        "бағаланады: төмен — жұп, отбасы (тегінің ортақ түбірі, әкесінің аты мен жасы немесе "
        "бір үй мекенжайы), бір ауыл немесе бір ұйым (e-mail мекенжайы үшін — жалпыға ортақ "
        "пошта қызметінде емес, ұйымның өз доменіндегі әріптестер); жоғары — туыс емес "
        "қатысушылар бір құрылғыдан кірсе, немесе үш және одан көп адам өз ұйымының желісі емес"
        " шағын мекенжайдан кірсе, немесе бір оператор бір аптада алты және одан көп адамды "
        "енгізсе (алтыдан аз болса — орташа); орташа — үштен тоғызға дейін туыс емес адам, "
        "жоғары — оннан бастап.",
        "Distinct national IDs per phone number, graded on the evidence: low for a pair, a "
        "household (members linked by surname stem, patronymic and age, or home address) or one"
        " village or organisation (for an e-mail address, colleagues on their organisation's "
        "own domain, not a public mail service); high when members with no family link sign in "
        "from one device, or three or more from a small address other than their organisation's"
        " own network, or one operator entered six or more within a week (medium below six); "
        "medium for three to nine unrelated people, high for ten or more.",
    ),
    "audit.contact.shared_email.title": (
        "Избиратели с одним адресом e-mail",
        "Бір e-mail мекенжайы бар сайлаушылар",
        "Voters sharing one e-mail address",
    ),
    "audit.contact.shared_email.title.high": (
        "Избиратели с одним адресом e-mail (высокая: незнакомые люди действуют вместе, или это "
        "большая группа)",
        "Бір e-mail мекенжайы бар сайлаушылар (жоғары: бейтаныс адамдар бірге әрекет етеді немесе "
        "бұл үлкен топ)",
        "Voters sharing one e-mail address (high: strangers acting together or a large cluster)",
    ),
    "audit.contact.shared_email.title.medium": (
        "Избиратели с одним адресом e-mail (средняя: неродственные люди)",
        "Бір e-mail мекенжайы бар сайлаушылар (орташа: туыс емес адамдар)",
        "Voters sharing one e-mail address (medium: unrelated people)",
    ),
    "audit.contact.shared_email.title.low": (
        "Избиратели с одним адресом e-mail (низкая: пара, семья или община)",
        "Бір e-mail мекенжайы бар сайлаушылар (төмен: жұп, отбасы немесе қауым)",
        "Voters sharing one e-mail address (low: a pair, a family or a community)",
    ),
    "audit.contact.shared_email.rule": (
        "Различные идентификационные номера на одном адресе e-mail, с оценкой по признакам: "
        "низкая — пара, семья (общий корень фамилии, отчество и возраст или один домашний "
        "адрес), одно село или одна организация (для адреса e-mail — коллеги на собственном "
        "домене организации, а не в общедоступном почтовом сервисе); высокая — если "
        "неродственные участники входят с одного устройства, или трое и более — с небольшого "
        "адреса, который не является сетью их организации, или один оператор внёс шестерых и "
        "более за неделю (средняя — меньше шести); средняя — от трёх до девяти неродственных "
        "людей, высокая — от десяти.",
        "Бір e-mail мекенжайы бойынша әртүрлі жеке сәйкестендіру нөмірлері, белгілері бойынша "
        "бағаланады: төмен — жұп, отбасы (тегінің ортақ түбірі, әкесінің аты мен жасы немесе "
        "бір үй мекенжайы), бір ауыл немесе бір ұйым (e-mail мекенжайы үшін — жалпыға ортақ "
        "пошта қызметінде емес, ұйымның өз доменіндегі әріптестер); жоғары — туыс емес "
        "қатысушылар бір құрылғыдан кірсе, немесе үш және одан көп адам өз ұйымының желісі емес"
        " шағын мекенжайдан кірсе, немесе бір оператор бір аптада алты және одан көп адамды "
        "енгізсе (алтыдан аз болса — орташа); орташа — үштен тоғызға дейін туыс емес адам, "
        "жоғары — оннан бастап.",
        "Distinct national IDs per e-mail address, graded on the evidence: low for a pair, a "
        "household (members linked by surname stem, patronymic and age, or home address) or one"
        " village or organisation (for an e-mail address, colleagues on their organisation's "
        "own domain, not a public mail service); high when members with no family link sign in "
        "from one device, or three or more from a small address other than their organisation's"
        " own network, or one operator entered six or more within a week (medium below six); "
        "medium for three to nine unrelated people, high for ten or more.",
    ),
    "audit.code.shared_contact.title": (
        "Избиратели, чьи коды пришли на один контакт",
        "Кодтары бір байланысқа келген сайлаушылар",
        "Voters whose codes went to one contact",
    ),
    "audit.code.shared_contact.title.high": (
        "Избиратели, чьи коды пришли на один контакт (высокая: незнакомые люди действуют вместе, "
        "или это большая группа)",
        "Кодтары бір байланысқа келген сайлаушылар (жоғары: бейтаныс адамдар бірге әрекет етеді "
        "немесе бұл үлкен топ)",
        "Voters whose codes went to one contact (high: strangers acting together or a large "
        "cluster)",
    ),
    "audit.code.shared_contact.title.medium": (
        "Избиратели, чьи коды пришли на один контакт (средняя: неродственные люди)",
        "Кодтары бір байланысқа келген сайлаушылар (орташа: туыс емес адамдар)",
        "Voters whose codes went to one contact (medium: unrelated people)",
    ),
    "audit.code.shared_contact.title.low": (
        "Избиратели, чьи коды пришли на один контакт (низкая: пара, семья или община)",
        "Кодтары бір байланысқа келген сайлаушылар (төмен: жұп, отбасы немесе қауым)",
        "Voters whose codes went to one contact (low: a pair, a family or a community)",
    ),
    "audit.code.shared_contact.rule": (
        "Различные идентификационные номера на одном контакте доставки кода, с оценкой по "
        "признакам: низкая — пара, семья (общий корень фамилии, отчество и возраст или один "
        "домашний адрес), одно село или одна организация (для адреса e-mail — коллеги на "
        "собственном домене организации, а не в общедоступном почтовом сервисе); высокая — если"
        " неродственные участники входят с одного устройства, или трое и более — с небольшого "
        "адреса, который не является сетью их организации, или один оператор внёс шестерых и "
        "более за неделю (средняя — меньше шести); средняя — от трёх до девяти неродственных "
        "людей, высокая — от десяти. На контакте, куда пришли коды других избирателей, "
        "родственники его владельца, входившие не там, где эти избиратели, — низкая.",
        "Бір код жеткізу байланысы бойынша әртүрлі жеке сәйкестендіру нөмірлері, белгілері "
        "бойынша бағаланады: төмен — жұп, отбасы (тегінің ортақ түбірі, әкесінің аты мен жасы "
        "немесе бір үй мекенжайы), бір ауыл немесе бір ұйым (e-mail мекенжайы үшін — жалпыға "
        "ортақ пошта қызметінде емес, ұйымның өз доменіндегі әріптестер); жоғары — туыс емес "
        "қатысушылар бір құрылғыдан кірсе, немесе үш және одан көп адам өз ұйымының желісі емес"
        " шағын мекенжайдан кірсе, немесе бір оператор бір аптада алты және одан көп адамды "
        "енгізсе (алтыдан аз болса — орташа); орташа — үштен тоғызға дейін туыс емес адам, "
        "жоғары — оннан бастап. Басқа сайлаушылардың кодтары келген байланыста сол сайлаушылар "
        "кірген жерден кірмеген иесінің туыстары — төмен.",
        "Distinct national IDs per code delivery contact, graded on the evidence: low for a "
        "pair, a household (members linked by surname stem, patronymic and age, or home "
        "address) or one village or organisation (for an e-mail address, colleagues on their "
        "organisation's own domain, not a public mail service); high when members with no "
        "family link sign in from one device, or three or more from a small address other than "
        "their organisation's own network, or one operator entered six or more within a week "
        "(medium below six); medium for three to nine unrelated people, high for ten or more. "
        "At a contact that received other voters' codes, its owner's relatives who signed in "
        "apart from those voters are low.",
    ),
    "audit.device.many_voters.title": (
        "Избиратели, входившие с одного устройства",
        "Бір құрылғыдан кірген сайлаушылар",
        "Voters sharing one device",
    ),
    "audit.device.many_voters.title.high": (
        "Избиратели, входившие с одного устройства (высокая: незнакомые люди действуют вместе, "
        "или это большая группа)",
        "Бір құрылғыдан кірген сайлаушылар (жоғары: бейтаныс адамдар бірге әрекет етеді немесе "
        "бұл үлкен топ)",
        "Voters sharing one device (high: strangers acting together or a large cluster)",
    ),
    "audit.device.many_voters.title.medium": (
        "Избиратели, входившие с одного устройства (средняя: неродственные люди)",
        "Бір құрылғыдан кірген сайлаушылар (орташа: туыс емес адамдар)",
        "Voters sharing one device (medium: unrelated people)",
    ),
    "audit.device.many_voters.title.low": (
        "Избиратели, входившие с одного устройства (низкая: пара, семья или община)",
        "Бір құрылғыдан кірген сайлаушылар (төмен: жұп, отбасы немесе қауым)",
        "Voters sharing one device (low: a pair, a family or a community)",
    ),
    "audit.device.many_voters.rule": (
        "Различные избиратели, входившие с одного устройства, с оценкой по признакам: низкая — "
        "пара, семья (общий корень фамилии, отчество и возраст или один домашний адрес), одно "
        "село или одна организация; средняя — трое и более неродственных людей; высокая — шестеро "
        "и более или люди, которых один оператор внёс за неделю.",
        "Бір құрылғыдан кірген әртүрлі сайлаушылар, белгілері бойынша бағаланады: төмен — жұп, "
        "отбасы (тегінің ортақ түбірі, әкесінің аты мен жасы немесе бір үй мекенжайы), бір ауыл "
        "немесе бір ұйым; орташа — үш және одан көп туыс емес адам; жоғары — алты және одан көп "
        "адам немесе бір оператор бір аптада енгізген адамдар.",
        "Distinct voters signed in from one device, graded on the evidence: low for a pair, a "
        "household (members linked by surname stem, patronymic and age, or home address) or one "
        "village or organisation; medium for three or more unrelated people, high for six or more "
        "or for people one operator enrolled within a week.",
    ),
    "audit.cast.device_burst.title": (
        "Бюллетени {n} и более избирателей с одного устройства за {w} мин",
        "{w} мин ішінде бір құрылғыдан {n} және одан көп сайлаушының бюллетені",
        "Ballots for {n}+ voters cast from one device within {w} min",
    ),
    "audit.cast.device_burst.title.household": (
        "Бюллетени {n} и более избирателей с одного устройства за {w} мин (одна семья)",
        "{w} мин ішінде бір құрылғыдан {n} және одан көп сайлаушының бюллетені (бір отбасы)",
        "Ballots for {n}+ voters cast from one device within {w} min (one family)",
    ),
    "audit.cast.device_burst.rule": (
        "Первые бюллетени не менее {n} разных избирателей с одного устройства за {w} мин; низкая "
        "важность, если избиратели устройства — одна семья.",
        "{w} мин ішінде бір құрылғыдан кемінде {n} әртүрлі сайлаушының алғашқы бюллетені; "
        "құрылғының сайлаушылары бір отбасы болса, маңыздылығы төмен.",
        "At least {n} distinct voters' first ballots from one device within {w} min; low when the "
        "device's voters are one household.",
    ),
    "audit.cast.organisation_burst.title": (
        "Организации, голосующие плотными волнами",
        "Тығыз толқындармен дауыс беретін ұйымдар",
        "Organisations voting in tight waves",
    ),
    "audit.cast.organisation_burst.rule": (
        "Организации от {n} избирателей; первые бюллетени в окнах по 10 и 20 минут (две сетки со "
        "сдвигом 5 минут; 20-минутное окно — только если оно значимее 10-минутных внутри него); "
        "окно от {k} бюллетеней — волна, если вероятность по Пуассону против остальных избирателей "
        "ниже {alpha} и против 30 минут до и после у самой организации ниже {alpha} / (2 × число "
        "окон) = {cut}, а в таких волнах больше {gathered} % её избирателей; для бюллетеней в "
        "основном с адресов самой организации, где она собиралась (всплеск cast.address_burst), — "
        "первая и вероятность против 30 минут до и после у самой организации ниже этого порога, "
        "сколько бы её избирателей в них ни было; к волне относятся и 5 минут до и после "
        "10-минутного окна. Кроме того, волна — любой час, в который пришло не меньше {hour_share} "
        "% избирателей организации, если за полчаса до и после него — не больше десятой доли "
        "этого. Если организация голосовала не меньше чем {follow_waves} волнами с промежутком "
        "больше 30 минут, её окна от {follow_k} бюллетеней в пределах полутора часов от этих волн "
        "проверяются ещё раз, с вероятностью против 30 минут до и после у самой организации ниже "
        "{alpha} / число только этих окон (так находится её последняя, неполная волна).",
        "{n} және одан көп сайлаушысы бар ұйымдар; 10 және 20 минуттық терезелердегі алғашқы "
        "бюллетеньдер (5 минутқа жылжыған екі тор; 20 минуттық терезе ішіндегі 10 минуттық "
        "терезелерден маңыздырақ болғанда ғана); {k} және одан көп бюллетені бар терезе — толқын, "
        "егер қалған сайлаушыларға қарсы Пуассон ықтималдығы {alpha}-дан төмен және ұйымның өз "
        "алдындағы және кейінгі 30 минутына қарсы ықтималдығы {alpha} / (2 × терезелер саны) = "
        "{cut}-дан төмен болса және мұндай толқындарда оның сайлаушыларының {gathered} %-ынан көбі "
        "болса; бюллетеньдері негізінен ұйымның өзі жиналған (cast.address_burst толқыны) өз "
        "мекенжайларынан болса — біріншісі және ұйымның өз алдындағы және кейінгі 30 минутына "
        "қарсы ықтималдық осы шектен төмен, оларда оның сайлаушыларының қаншасы болса да; 10 "
        "минуттық терезеге дейінгі және кейінгі 5 минут та толқынға жатады. Сондай-ақ ұйым "
        "сайлаушыларының кемінде {hour_share} %-ы дауыс берген кез келген сағат — толқын, егер "
        "оған дейінгі және кейінгі жарты сағатта оның оннан бір бөлігінен аспаса. Егер ұйым 30 "
        "минуттан астам аралықпен кемінде {follow_waves} толқынмен дауыс берген болса, осы "
        "толқындардан бір жарым сағат ішіндегі оның {follow_k} және одан көп бюллетені бар "
        "терезелері қайта тексеріледі: ұйымның өз алдындағы және кейінгі 30 минутына қарсы "
        "ықтималдық {alpha} / тек осы терезелер санынан төмен болуы керек (оның соңғы, толық емес "
        "толқыны осылай табылады).",
        "Organisations with {n} or more voters; first ballots in windows of 10 and 20 minutes (two "
        "grids 5 minutes apart; a 20-minute window only where it is more significant than the "
        "10-minute ones within it); a window of {k} or more is a wave when the Poisson tail "
        "against the rest of the electorate is below {alpha} and the one against the "
        "organisation's own 30 minutes before and after is below {alpha} / (2 × windows tested) = "
        "{cut}, when such waves hold more than {gathered} % of its voters; or, for ballots mostly "
        "from the organisation's own addresses where it gathered (a cast.address_burst), the first "
        "and the one against its own 30 minutes before and after below that, however few of its "
        "voters they hold; the 5 minutes either side of a 10-minute wave window belong to the "
        "wave. Any hour that holds {hour_share} % or more of the organisation's voters is a wave "
        "too, when the half hour before and after it hold at most a tenth as many. Once an "
        "organisation is shown voting in {follow_waves} or more waves more than 30 minutes apart, "
        "its windows of {follow_k} or more ballots within an hour and a half of them are tested "
        "again, the tail against its own 30 minutes before and after below {alpha} / the number "
        "of those windows only (its last, partial wave).",
    ),
    "audit.turnout.abnormal_curve.rule": (
        "Организации от {n} избирателей: критерий хи-квадрат для их явки по часам против явки "
        "остальных (соседние часы объединяются, пока в каждом блоке не ожидается хотя бы пять "
        "бюллетеней), значимость ниже {alpha} / число организаций ({cut}); средняя важность, если "
        "явка собрана в волны (высокая — от расстояния {high}), иначе низкая при расстоянии от "
        "{tvd} (свой распорядок дня).",
        "{n} және одан көп сайлаушысы бар ұйымдар: олардың сағат бойынша келуі мен қалғандардың "
        "келуін хи-квадрат критерийімен салыстыру (әр блокта кемінде бес бюллетень күтілгенше "
        "көрші сағаттар біріктіріледі), маңыздылығы {alpha} / ұйымдар саны ({cut})-дан төмен; келу "
        "толқындардан құралса — орташа (қашықтығы {high}-дан бастап — жоғары), әйтпесе қашықтығы "
        "{tvd}-дан бастап төмен (өз күн тәртібі).",
        "Organisations with {n} or more voters: a chi-square test of their hour-of-day turnout "
        "against everyone else's (neighbouring hours pooled until each block expects at least five "
        "ballots), significant below {alpha} / number of organisations ({cut}); medium when made "
        "of waves (high from distance {high}), otherwise low at distance {tvd} or more (a schedule "
        "of its own).",
    ),
    "audit.enrol.operator_burst.title": (
        "Сеансы записи операторов, непохожие на обычные",
        "Операторлардың әдеттегіге ұқсамайтын тіркеу сеанстары",
        "Operator sessions out of the ordinary",
    ),
    "audit.enrol.operator_burst.title.machine": (
        "Сеансы записи операторов в темпе машины или переписанного списка",
        "Машина немесе көшірілген тізім қарқынымен өткен операторлардың тіркеу сеанстары",
        "Operator sessions paced like a machine or a copied list",
    ),
    "audit.enrol.operator_burst.title.unusual": (
        "Сеансы записи, непохожие ни на прежние сеансы оператора, ни на сеансы других",
        "Оператордың бұрынғы сеанстарына да, басқалардың сеанстарына да ұқсамайтын "
        "тіркеу сеанстары",
        "Operator sessions unlike the operator's own and the others'",
    ),
    "audit.enrol.operator_burst.rule": (
        "Сеансы записи (перерывы не больше 30 мин) от {session} человек: по баллу за скорость (в "
        "3 раза выше обычной для оператора или для всех, и от 30 в час), ровные интервалы короче, "
        "чем нужно столу записи на одного человека (медиана не больше {gap} с), час, "
        "когда почти никто из операторов не записывает, и от 30 % неподтверждённых, без контактов "
        "или с общими контактами; 2 балла — средняя важность, 3 и больше — высокая; {n} и более "
        "за любые {w} минут — высокая.",
        "Тіркеу сеанстары (үзілістер 30 минуттан аспайды), {session} және одан көп адам: "
        "жылдамдық үшін бір ұпай (оператордың немесе барлығының әдеттегі қарқынынан 3 есе жоғары "
        "және сағатына 30-дан көп), тіркеу үстеліне бір адамға қажет уақыттан қысқа бірқалыпты "
        "аралықтар (медианасы {gap} с-тан аспайды), операторлар сирек тіркейтін сағат және "
        "30 %-дан көп расталмаған, байланыссыз немесе ортақ байланысы бар адамдар; 2 ұпай — "
        "орташа, 3 және одан көп — жоғары; кез келген {w} минутта {n} және одан көп — жоғары.",
        "Enrolment sessions (gaps of at most 30 min) of {session} or more: one point each for "
        "fast (3x the operator's typical rate, or everyone's, and 30 an hour or more), regular "
        "intervals shorter than a desk needs per member (median {gap} s or less), an hour in "
        "which few operators enrol, and 30 % or more unconfirmed, "
        "contactless or shared-contact members; 2 points medium, 3 or more high; {n} or more in "
        "any {w} minutes is high.",
    ),
    "audit.code.foreign_contact.title": (
        "Коды, доставленные не на контакт избирателя",
        "Сайлаушының өз байланысына жеткізілмеген кодтар",
        "Codes delivered to a contact not the voter's own",
    ),
    "audit.code.foreign_contact.title.collected": (
        "Коды нескольких избирателей собраны на контакте одного избирателя",
        "Бірнеше сайлаушының кодтары бір сайлаушының байланысына жиналған",
        "Codes of several voters collected on one voter's contact",
    ),
    "audit.code.foreign_contact.title.foreign": (
        "Коды, доставленные на контакт другого избирателя или на неизвестный",
        "Басқа сайлаушының байланысына немесе белгісіз байланысқа жеткізілген кодтар",
        "Codes delivered to another voter's contact or an unknown one",
    ),
    "audit.code.foreign_contact.title.relative": (
        "Коды, доставленные на контакт родственника или на новый номер",
        "Туысының байланысына немесе жаңа нөмірге жеткізілген кодтар",
        "Codes delivered to a relative's contact or a new number",
    ),
    "audit.code.foreign_contact.rule": (
        "Коды, доставленные на контакт не из строки избирателя в списке: низкая важность — "
        "контакт родственника (фамилия, отчество и возраст или домашний адрес) или номер, "
        "которого нет в списке и которым пользуется только этот избиратель; средняя — контакт "
        "неродственного избирателя или номер вне списка у двух неродственных избирателей; высокая "
        "— на один контакт пришли коды трёх и более избирателей, не связанных с его владельцем "
        "(или друг с другом, если контакта нет в списке).",
        "Сайлаушының тізімдегі жолында жоқ байланысқа жеткізілген кодтар: төмен — туысының "
        "байланысы (тегі, әкесінің аты мен жасы немесе үй мекенжайы) немесе тізімде жоқ және тек "
        "осы сайлаушы пайдаланатын нөмір; орташа — туыс емес сайлаушының байланысы немесе тізімде "
        "жоқ, екі туыс емес сайлаушы пайдаланатын нөмір; жоғары — бір байланысқа оның иесімен "
        "(байланыс тізімде болмаса, бір-бірімен) байланысы жоқ үш және одан көп сайлаушының "
        "кодтары келген.",
        "Codes delivered to a contact not on the voter's roll line: low if it is a relative's "
        "(surname, patronymic and age, or home address) or a number on no roll line used by this "
        "voter alone; medium if it is an unrelated voter's, or a number on no roll line used by "
        "two unrelated voters; high if a contact received the codes of three or more voters "
        "unrelated to its owner (or to each other, for a contact on no roll line).",
    ),
    "audit.activity.unknown_voter.rule": (
        "Избирателя из журнала активности нет в списке; каждый такой избиратель — один раз, при "
        "первом событии.",
        "Белсенділік журналындағы сайлаушы тізімде жоқ; әрбір осындай сайлаушы бір рет, алғашқы "
        "оқиғасында.",
        "The activity log's voter has no row in the roll; each such voter once, at their first "
        "event.",
    ),
    # -- the command line (honestballot audit --lang): what it prints, and its errors -----
    # check ids, severities (the --fail-on values), numbers, column names and "exit N"
    # stay as they are in every language, for scripts
    # the files as the summary and the reports name them (the English is the key the
    # outputs' rows_read use)
    "audit.file.roll": ("список", "тізім", "roll"),
    "audit.file.activity": ("журнал активности", "белсенділік журналы", "activity"),
    "audit.cli.summary": (
        "проверено строк: {rows} за {elapsed} с; пропущено строк с ошибками: {bad}",
        "тексерілген жолдар: {rows}, {elapsed} секундта; өткізіп жіберілген қате жолдар: {bad}",
        "audited {rows} rows in {elapsed} s; {bad} malformed row(s) skipped",
    ),
    "audit.cli.without.birth_date": (
        "{n} из {total} строк списка без даты рождения: их пропустили проверки даты рождения "
        "(дата в ИИН, невозможная дата, возраст)",
        "тізімнің {total} жолының {n} жолында туған күні жоқ: оларды туған күнді тексерулер "
        "өткізіп жіберді (ЖСН-дегі күн, мүмкін емес күн, жас)",
        "{n} of {total} roll rows without a birth date: skipped by the birth-date checks "
        "(IIN date, impossible date, age)",
    ),
    "audit.cli.without.enrolled_at": (
        "{n} из {total} строк списка без времени записи: их пропустили проверки закрытого "
        "периода и всплесков у операторов",
        "тізімнің {total} жолының {n} жолында тіркелу уақыты жоқ: оларды жабық кезеңді және "
        "оператор серпілістерін тексерулер өткізіп жіберді",
        "{n} of {total} roll rows without an enrolment time: skipped by the closed-window and "
        "operator-burst checks",
    ),
    "audit.cli.without.organisation": (
        "{n} из {total} строк списка без организации: их пропустили проверки волн организаций "
        "и кривых явки",
        "тізімнің {total} жолының {n} жолында ұйым жоқ: оларды ұйым толқындарын және келу "
        "қисықтарын тексерулер өткізіп жіберді",
        "{n} of {total} roll rows without an organisation: skipped by the organisation burst "
        "and turnout-curve checks",
    ),
    "audit.cli.exit.found": (
        "есть находки уровня {severity} и выше",
        "{severity} деңгейіндегі және одан жоғары табылғандар бар",
        "findings at or above {severity}",
    ),
    "audit.cli.exit.none": (
        "нет находок уровня {severity} и выше",
        "{severity} деңгейіндегі және одан жоғары табылғандар жоқ",
        "nothing at or above {severity}",
    ),
    "audit.cli.score.header": (
        "| проверка | внесено | найдено | точность | полнота |",
        "| тексеру | енгізілген | табылған | дәлдік | толықтық |",
        "| check | injected | reported | precision | recall |",
    ),
    "audit.cli.error": (
        "ошибка: {kind}: {message}",
        "қате: {kind}: {message}",
        "error: {kind}: {message}",
    ),
    "audit.cli.cannot_read": (
        "{path}: файл не удаётся прочитать ({code})",
        "{path}: файлды оқу мүмкін емес ({code})",
        "{path}: cannot read the file ({code})",
    ),
    "audit.cli.cannot_read_input": (
        "не удаётся прочитать входной файл ({code})",
        "кіріс файлды оқу мүмкін емес ({code})",
        "cannot read an input file ({code})",
    ),
    "audit.cli.engine": (
        "встроенная база данных проверки остановила работу: {detail}",
        "тексерудің ішкі дерекқоры жұмысын тоқтатты: {detail}",
        "the audit's embedded database stopped: {detail}",
    ),
    "audit.cli.out_of_memory": (
        "проверке не хватило памяти ({detail}): увеличьте --memory-limit или уменьшите --threads",
        "тексеруге жад жетпеді ({detail}): --memory-limit мәнін көбейтіңіз немесе --threads "
        "мәнін азайтыңыз",
        "the audit ran out of memory ({detail}): raise --memory-limit or lower --threads",
    ),
    "audit.cli.score.not_truth": (
        "{path}: это не файл truth.json от synth-roll ({detail})",
        "{path}: бұл synth-roll жасаған truth.json файлы емес ({detail})",
        "{path}: not a synth-roll truth.json ({detail})",
    ),
    "audit.cli.score.capped": (
        "{check}: находка перечисляет лишь часть своих записей (ограничение); "
        "для точности и полноты нужны все записи",
        "{check}: табылған өз жазбаларының бір бөлігін ғана береді (шектеу); "
        "дәлдік пен толықтық үшін барлық жазба керек",
        "{check}: the finding lists only part of its records (capped); "
        "precision and recall need every record",
    ),
    "audit.cli.cannot_write": (
        "{path}: файл не удаётся записать ({code})",
        "{path}: файлға жазу мүмкін емес ({code})",
        "{path}: cannot write the file ({code})",
    ),
    "audit.input.no_such_file": (
        "{path}: нет такого файла",
        "{path}: мұндай файл жоқ",
        "{path}: no such file",
    ),
    "audit.input.columns_twice": (
        "{path}: столбцы встречаются дважды: {columns}",
        "{path}: бағандар екі рет кездеседі: {columns}",
        "{path}: column(s) appear twice: {columns}",
    ),
    "audit.input.missing_columns": (
        "{path}: нет обязательных столбцов: {columns} (есть: {found})",
        "{path}: міндетті бағандар жоқ: {columns} (бары: {found})",
        "{path}: missing required column(s): {columns} (found: {found})",
    ),
    "audit.input.no_columns": ("никаких", "ешқандай", "none"),
    "audit.input.not_parquet": (
        "{path}: файл Parquet не читается ({detail})",
        "{path}: Parquet файлы оқылмайды ({detail})",
        "{path}: not a readable Parquet file ({detail})",
    ),
    "audit.input.not_csv": (
        "{path}: не читается как CSV ({detail})",
        "{path}: CSV ретінде оқылмайды ({detail})",
        "{path}: cannot read as CSV ({detail})",
    ),
    "audit.input.header_not_utf8": (
        "{path}:1: строка заголовка не в кодировке UTF-8 ({detail})",
        "{path}:1: тақырып жолы UTF-8 кодтауында емес ({detail})",
        "{path}:1: header is not UTF-8 ({detail})",
    ),
    "audit.input.no_header": (
        "{path}:1: нет строки заголовка",
        "{path}:1: тақырып жолы жоқ",
        "{path}:1: no header line",
    ),
    "audit.input.memory_limit": (
        "предел памяти {limit} не принят: {detail}",
        "{limit} жад шегі қабылданбады: {detail}",
        "memory limit {limit}: {detail}",
    ),
    "audit.input.closed_window_shape": (
        "закрытый период {window}: нужно НАЧАЛО/КОНЕЦ в формате ISO 8601 ({detail})",
        "жабық кезең {window}: ISO 8601 пішіміндегі БАСЫ/СОҢЫ керек ({detail})",
        "closed window {window}: expected START/END in ISO 8601 ({detail})",
    ),
    "audit.input.closed_window_offset": (
        "закрытый период {window}: укажите время в часовом поясе файлов, без смещения",
        "жабық кезең {window}: уақытты файлдардың уақыт белдеуінде, ығысусыз көрсетіңіз",
        "closed window {window}: use the files' time zone, without an offset",
    ),
    "audit.input.closed_window_order": (
        "закрытый период {window}: КОНЕЦ должен быть позже НАЧАЛА",
        "жабық кезең {window}: СОҢЫ БАСЫНАН кейін болуы керек",
        "closed window {window}: END must be after START",
    ),
    "audit.input.as_of": (
        "--as-of {value}: нужна дата в виде ГГГГ-ММ-ДД",
        "--as-of {value}: ЖЖЖЖ-АА-КК түріндегі күн керек",
        "--as-of {value}: expected a date as YYYY-MM-DD",
    ),
    "audit.input.bad_rows": (
        "строки с ошибками ({count}): {rows}{more}",
        "қате жолдар ({count}): {rows}{more}",
        "{count} malformed row(s): {rows}{more}",
    ),
    "audit.input.bad_rows.more": (
        " (и ещё {count})",
        " (және тағы {count})",
        " (and {count} more)",
    ),
    # why a row is malformed: the English is what the audit writes after "column: "
    # (honestballot/audit/schema.py); the column's name stays
    "audit.bad.empty": ("пусто", "бос", "empty"),
    "audit.bad.time": (
        "не ГГГГ-ММ-ДД ЧЧ:ММ[:СС] без смещения",
        "ығысусыз ЖЖЖЖ-АА-КК СС:ММ[:СС] емес",
        "not YYYY-MM-DD HH:MM[:SS] without an offset",
    ),
    "audit.bad.date": (
        "не ГГГГ-ММ-ДД и не ДД.ММ.ГГГГ",
        "ЖЖЖЖ-АА-КК те, КК.АА.ЖЖЖЖ те емес",
        "not YYYY-MM-DD or DD.MM.YYYY",
    ),
    "audit.bad.yes_no": ("не «да» и не «нет»", "«иә» да, «жоқ» та емес", "not a yes/no value"),
    "audit.bad.no_at": ("нет знака @", "@ белгісі жоқ", "no @"),
    "audit.bad.event": ("неизвестный вид события", "белгісіз оқиға түрі", "unknown event type"),
    "audit.bad.id_kind": ("не iin и не snils", "iin де, snils те емес", "not iin or snils"),
    "audit.bad.empty_line": ("пустая строка", "бос жол", "empty line"),
    "audit.bad.too_many_columns": ("лишние столбцы", "артық бағандар", "too many columns"),
    "audit.bad.missing_columns": ("не хватает столбцов", "бағандар жетпейді", "missing columns"),
    "audit.bad.invalid_unicode": ("не UTF-8", "UTF-8 емес", "invalid unicode"),
    "audit.bad.unquoted_value": (
        "значение с кавычкой внутри не заключено в кавычки",
        "ішінде тырнақшасы бар мән тырнақшаға алынбаған",
        "unquoted value",
    ),
    "audit.bad.line_size_over_maximum": (
        "строка длиннее предела",
        "жол шектен ұзын",
        "line size over maximum",
    ),
    # -- the HTML reports (honestballot audit --html/--observer-html --lang) ----------------
    "audit.html.revoting": (
        "Журнал относится к голосованию с защитой переголосования: проверки читают только первый "
        "вход, первый запрос кода и первый бюллетень каждого избирателя и не указывают строк "
        "журнала, строки журнала с ошибками указаны без номера и текста, а размер журнала не "
        "сообщается (для замены голоса нужен вход, которого организатор не должен видеть).",
        "Журнал қайта дауыс беруді қорғаумен өтетін дауыс беруге жатады: тексерулер әр сайлаушының "
        "тек алғашқы кіруін, алғашқы код сұрауын және алғашқы бюллетенін оқиды және журнал "
        "жолдарын көрсетпейді, журналдың қате жолдары нөмірі мен мәтінсіз көрсетіледі, ал "
        "журналдың көлемі айтылмайды (дауысты ауыстыру үшін кіру керек, оны ұйымдастырушы көрмеуі "
        "тиіс).",
        "The log is of an election with re-voting protection: the checks read each voter's first "
        "sign-in, first code request and first ballot only and list no line of the log, the log's "
        "malformed rows are listed without their line or text, and the log's size is not said "
        "(replacing a vote needs a sign-in, which the organiser must not see).",
    ),
    "audit.html.title": (
        "honestballot: проверка целостности",
        "honestballot: тұтастықты тексеру",
        "honestballot integrity audit",
    ),
    "audit.html.heading": (
        "Проверка целостности списка избирателей и активности голосования",
        "Сайлаушылар тізімінің және дауыс беру белсенділігінің тұтастығын тексеру",
        "Integrity audit of the voter roll and voting activity",
    ),
    "audit.html.view.observer": (
        "для наблюдателя (только числа)",
        "бақылаушыға арналған (тек сандар)",
        "observer (counts only)",
    ),
    "audit.html.view.organiser": (
        "для организатора (с записями)",
        "ұйымдастырушыға арналған (жазбалармен)",
        "organiser (names records)",
    ),
    "audit.html.verdict.found": (
        "находок уровня {severity} и выше: {n}",
        "{severity} деңгейіндегі және одан жоғары табылғандар: {n}",
        "{n} finding(s) at or above {severity}",
    ),
    "audit.html.verdict.none": (
        "нет находок уровня {severity} и выше",
        "{severity} деңгейіндегі және одан жоғары табылғандар жоқ",
        "nothing at or above {severity}",
    ),
    "audit.html.rows_read": ("{file}: строк {n}", "{file}: {n} жол", "{file}: {n} rows"),
    "audit.html.summary": (
        "Вид: {view}. Прочитано: {rows}; строк с ошибками пропущено и перечислено: {bad}. "
        "Итог: {verdict}.",
        "Түрі: {view}. Оқылды: {rows}; өткізіп жіберілген және тізілген қате жолдар: {bad}. "
        "Қорытынды: {verdict}.",
        "View: {view}. Read {rows}; {bad} malformed row(s) skipped and listed. Verdict: {verdict}.",
    ),
    "audit.html.unknown": (
        "Неизвестно в списке: названные проверки эти строки не смотрели, поэтому 0 у них — "
        "не знак того, что всё в порядке.",
        "Тізімде белгісіз: аталған тексерулер бұл жолдарды қарамады, сондықтан олардағы 0 — "
        "бәрі дұрыс дегенді білдірмейді.",
        "Not known in the roll: the checks named did not look at these rows, so a count "
        "of 0 from them is not an all-clear.",
    ),
    "audit.html.findings": ("Находки", "Табылғандар", "Findings"),
    "audit.html.column.severity": ("важность", "маңыздылық", "severity"),
    "audit.html.column.check": ("проверка", "тексеру", "check"),
    "audit.html.column.what": ("что", "не", "what"),
    "audit.html.column.count": ("число", "саны", "count"),
    "audit.html.column.groups": ("групп", "топтар", "groups"),
    # the organiser's report's record tables: their columns' heads (the JSON's keys)
    "audit.html.record.group": ("группа", "топ", "group"),
    "audit.html.record.line": ("строка", "жол", "line"),
    "audit.html.record.voter": ("избиратель", "сайлаушы", "voter"),
    "audit.html.record.name": ("имя", "аты", "name"),
    "audit.html.record.organisation": ("организация", "ұйым", "organisation"),
    "audit.html.record.operator": ("оператор записи", "тіркеген оператор", "operator"),
    "audit.html.record.detail": ("подробности", "толығырақ", "detail"),
    "audit.html.record.why": ("почему", "неліктен", "why"),
    "audit.html.record.address": ("адрес", "мекенжай", "address"),
    "audit.html.record.device": ("устройство", "құрылғы", "device"),
    "audit.html.record.voters": ("число избирателей", "сайлаушылар саны", "voters"),
    "audit.html.charts": ("Графики", "Графиктер", "Charts"),
    "audit.html.records": (
        "Записи за каждой находкой",
        "Әр табылғанның артындағы жазбалар",
        "Records behind each finding",
    ),
    "audit.html.more": (
        "Ещё {n} — в выводе JSON/CSV.",
        "Тағы {n} — JSON/CSV шығысында.",
        "{n} more in the JSON/CSV output.",
    ),
    "audit.html.show_records": ("показать записи", "жазбаларды көрсету", "show records"),
    "audit.html.rule": ("Правило: {rule}", "Ереже: {rule}", "Rule: {rule}"),
    "audit.html.footer": (
        "Создано командой {command}. Общий адрес — признак, а не доказательство; строгое "
        "правило уникальности — только идентификационный номер.",
        "{command} командасымен жасалды. Ортақ мекенжай — белгі, дәлел емес; қатаң "
        "бірегейлік ережесі — тек жеке сәйкестендіру нөмірі.",
        "Generated by {command}. A shared address is a signal, never proof; only the "
        "national ID is a hard uniqueness rule.",
    ),
    "audit.html.nothing": ("нечего показать", "көрсететін ештеңе жоқ", "nothing to show"),
    "audit.html.log_scale": (
        "{label} (логарифмическая шкала)",
        "{label} (логарифмдік шкала)",
        "{label} (log scale)",
    ),
    "audit.html.shaded": ("закрашено: {label}", "боялған: {label}", "shaded: {label}"),
    "audit.html.clusters.phone": (
        "Избиратели с общим телефоном: кластеры по размеру",
        "Телефоны ортақ сайлаушылар: кластерлер көлемі бойынша",
        "Voters sharing one phone: clusters by size",
    ),
    "audit.html.clusters.email": (
        "Избиратели с общим адресом e-mail: кластеры по размеру",
        "E-mail мекенжайы ортақ сайлаушылар: кластерлер көлемі бойынша",
        "Voters sharing one e-mail: clusters by size",
    ),
    "audit.html.clusters.device": (
        "Избиратели с общим устройством: кластеры по размеру",
        "Құрылғысы ортақ сайлаушылар: кластерлер көлемі бойынша",
        "Voters sharing one device: clusters by size",
    ),
    "audit.html.clusters.x": (
        "избирателей в кластере",
        "кластердегі сайлаушылар",
        "voters in the cluster",
    ),
    "audit.html.clusters.y": ("кластеров", "кластерлер", "clusters"),
    "audit.html.enrolments.title": (
        "Записи в список по времени",
        "Тізімге тіркелу уақыт бойынша",
        "Enrolments over time",
    ),
    "audit.html.enrolments.per_day": ("записей в день", "күніне тіркелу", "enrolments per day"),
    "audit.html.enrolments.per_hour": (
        "записей в час",
        "сағатына тіркелу",
        "enrolments per hour",
    ),
    "audit.html.enrolments.y": ("записей", "тіркелу", "enrolments"),
    "audit.html.enrolments.closed": ("запись закрыта", "тіркелу жабық", "enrolment closed"),
    "audit.html.turnout.title": (
        "Явка по часам суток: доля избирателей каждой организации",
        "Тәулік сағаттары бойынша келу: әр ұйым сайлаушыларының үлесі",
        "Turnout by hour of day: share of each organisation's voters",
    ),
    "audit.html.turnout.y": ("доля", "үлес", "share"),
    "audit.html.turnout.everyone": ("все избиратели", "барлық сайлаушылар", "all voters"),
    "audit.html.turnout.organisation": (
        "организация {letter}",
        "{letter} ұйымы",
        "organisation {letter}",
    ),
    "audit.html.turnout.flagged": ("{name} (отмечена)", "{name} (белгіленген)", "{name} (flagged)"),
}
