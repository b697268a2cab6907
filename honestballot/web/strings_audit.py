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
    "audit.unit.records": ("записей", "жазба", "records"),
    "audit.unit.voters": ("избирателей", "сайлаушы", "voters"),
    "audit.unit.ballots": ("бюллетеней", "бюллетень", "ballots"),
    "audit.unit.organisations": ("организаций", "ұйым", "organisations"),
    "audit.unit.rows": ("строк", "жол", "rows"),
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
    "audit.contact.shared_phone.title": (
        "Избиратели с общим номером телефона (группы по {size} человек)",
        "Телефон нөмірі ортақ сайлаушылар ({size} адамнан тұратын топтар)",
        "Voters sharing one phone number (clusters of {size} voters)",
    ),
    "audit.contact.shared_phone.rule": (
        "Число разных идентификационных номеров на один телефон: низкая степень от {low}, "
        "средняя от {medium}, высокая от {high}.",
        "Бір телефонға келетін әртүрлі жеке сәйкестендіру нөмірлерінің саны: төмен "
        "дәреже — кемінде {low}, орташа — кемінде {medium}, жоғары — кемінде {high}.",
        "Distinct national IDs per phone number: low from {low}, medium from {medium}, "
        "high from {high}.",
    ),
    "audit.contact.shared_email.title": (
        "Избиратели с общим адресом e-mail (группы по {size} человек)",
        "E-mail мекенжайы ортақ сайлаушылар ({size} адамнан тұратын топтар)",
        "Voters sharing one e-mail address (clusters of {size} voters)",
    ),
    "audit.contact.shared_email.rule": (
        "Число разных идентификационных номеров на один e-mail: низкая степень от {low}, "
        "средняя от {medium}, высокая от {high}.",
        "Бір e-mail-ға келетін әртүрлі жеке сәйкестендіру нөмірлерінің саны: төмен "
        "дәреже — кемінде {low}, орташа — кемінде {medium}, жоғары — кемінде {high}.",
        "Distinct national IDs per e-mail address: low from {low}, medium from {medium}, "
        "high from {high}.",
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
    "audit.enrol.operator_burst.title": (
        "Операторы, записавшие {n} и более человек за {w} минут",
        "{w} минут ішінде {n} және одан көп адамды тіркеген операторлар",
        "Operators enrolling {n}+ members within {w} minutes",
    ),
    "audit.enrol.operator_burst.rule": (
        "Не меньше {n} записей одним оператором в любом окне длиной {w} минут; "
        "перечислены все записи внутри такого окна.",
        "Бір оператордың кез келген {w} минуттық терезеде кемінде {n} тіркеуі; мұндай "
        "терезедегі барлық жазба көрсетілген.",
        "At least {n} enrolments by one operator in any {w}-minute window; every record "
        "inside such a window is listed.",
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
    "audit.activity.unknown_voter.rule": (
        "У избирателя из журнала активности нет строки в списке.",
        "Белсенділік журналындағы сайлаушының тізімде жолы жоқ.",
        "The activity log's voter has no row in the roll.",
    ),
    "audit.device.many_voters.title": (
        "Избиратели, входившие с одного устройства (группы по {size} человек)",
        "Бір құрылғыдан кірген сайлаушылар ({size} адамнан тұратын топтар)",
        "Voters sharing one device (clusters of {size} voters)",
    ),
    "audit.device.many_voters.rule": (
        "Число разных избирателей, вошедших с одного устройства: низкая степень от {low}, "
        "средняя от {medium}, высокая от {high}.",
        "Бір құрылғыдан кірген әртүрлі сайлаушылар саны: төмен дәреже — кемінде {low}, "
        "орташа — кемінде {medium}, жоғары — кемінде {high}.",
        "Distinct voters signed in from one device: low from {low}, medium from {medium}, "
        "high from {high}.",
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
    "audit.code.shared_contact.title": (
        "Избиратели, получавшие коды на один контакт (группы по {size} человек)",
        "Кодтарды бір байланысқа алған сайлаушылар ({size} адамнан тұратын топтар)",
        "Voters sharing one code delivery contact (clusters of {size} voters)",
    ),
    "audit.code.shared_contact.rule": (
        "Число разных избирателей, чьи коды ушли на один телефон или e-mail: низкая "
        "степень от {low}, средняя от {medium}, высокая от {high}.",
        "Кодтары бір телефонға немесе e-mail-ға жіберілген әртүрлі сайлаушылар саны: "
        "төмен дәреже — кемінде {low}, орташа — кемінде {medium}, жоғары — кемінде "
        "{high}.",
        "Distinct voters whose codes went to one phone or e-mail: low from {low}, medium "
        "from {medium}, high from {high}.",
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
        "{medium}, высокая от {high}.",
        "Бір ұйымның сайлаушылары бір мекенжайдан {w} минутта кемінде {n} бюллетень "
        "жіберген, бұл олардың осы мекенжайдағы орташа қарқынынан {lift} және одан көп есе "
        "жиі. Баға = шың × (шың / осы терезедегі мекенжайдың барлық сайлаушысы); орташа "
        "дәреже — кемінде {medium}, жоғары — кемінде {high}.",
        "One organisation's voters cast at least {n} ballots from one address within {w} "
        "min, at {lift}x or more that organisation's average rate at the address. Score = "
        "peak x (peak / all voters at the address in that window); medium from {medium}, "
        "high from {high}.",
    ),
    "audit.cast.device_burst.title": (
        "Бюллетени {n} и более избирателей с одного устройства за {w} мин",
        "{w} минутта бір құрылғыдан {n} және одан көп сайлаушының бюллетені",
        "Ballots for {n}+ voters cast from one device within {w} min",
    ),
    "audit.cast.device_burst.rule": (
        "Не меньше {n} разных избирателей отправили бюллетени с одного устройства за {w} мин.",
        "Кемінде {n} әртүрлі сайлаушы {w} минутта бір құрылғыдан бюллетень жіберген.",
        "At least {n} distinct voters' ballots from one device within {w} min.",
    ),
    "audit.cast.organisation_burst.title": (
        "Всплески бюллетеней одной организации",
        "Бір ұйымның бюллетеньдер толқыны",
        "Ballot bursts from one organisation",
    ),
    "audit.cast.organisation_burst.rule": (
        "Не меньше {n} избирателей одной организации проголосовали за {w} мин, в {lift} "
        "и более раз чаще её среднего темпа.",
        "Бір ұйымның кемінде {n} сайлаушысы {w} минутта дауыс берген, бұл оның орташа "
        "қарқынынан {lift} және одан көп есе жиі.",
        "At least {n} of one organisation's voters cast within {w} min, at {lift}x or "
        "more the organisation's average rate.",
    ),
    "audit.turnout.abnormal_curve.title": (
        "Организации, чья явка по часам заметно отличается от остальных",
        "Сағат бойынша келуі басқалардан айтарлықтай өзгеше ұйымдар",
        "Organisations whose turnout curve departs from the rest",
    ),
    "audit.turnout.abnormal_curve.rule": (
        "Организации с {n} и более избирателями: расстояние полной вариации между их явкой "
        "по часам суток и явкой всех остальных; средняя степень от {medium}, высокая от "
        "{high}.",
        "{n} және одан көп сайлаушысы бар ұйымдар: олардың тәулік сағаттары бойынша келуі "
        "мен қалғандардың келуі арасындағы толық вариация қашықтығы; орташа дәреже — "
        "кемінде {medium}, жоғары — кемінде {high}.",
        "Organisations with {n} or more voters: the total variation distance between their "
        "hour-of-day turnout and everyone else's; medium from {medium}, high from {high}.",
    ),
}
