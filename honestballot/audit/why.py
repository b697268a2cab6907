"""Why a record was raised, in Russian, Kazakh and English.

Each graded record carries a ``why`` code; this catalogue says what it means to the
organiser, in the three languages of the project. The English text also ends the
record's ``detail``; the organiser's JSON carries the whole catalogue for the codes it
uses (``why``), and the HTML report is written in the language asked for.

No text here, and no code, says that a voter voted again, replaced a credential or
voted on paper: the audit reads each voter's first ballot only, and lists a voter once
per finding.
"""

from __future__ import annotations

from collections.abc import Iterable

LANGUAGES = ("ru", "kk", "en")

#: code -> (ru, kk, en)
WHY: dict[str, tuple[str, str, str]] = {
    "pair": (
        "двое избирателей: обычно супруги",
        "екі сайлаушы: әдетте ерлі-зайыптылар",
        "two voters: usually a couple",
    ),
    "household": (
        "общая фамилия, отчество или домашний адрес: одна семья",
        "ортақ тегі, әкесінің аты немесе үй мекенжайы: бір отбасы",
        "members share a surname, patronymic or home address: one family",
    ),
    "community": (
        "все из одного села или одной организации: общий стационарный телефон или почта приёмной",
        "барлығы бір ауылдан немесе бір ұйымнан: ортақ стационар телефон немесе қабылдау "
        "бөлмесінің поштасы",
        "all from one village or one organisation: a shared landline or office mailbox",
    ),
    "office_mailbox": (
        "почта организации (на её собственном домене, а не в общедоступном почтовом сервисе), "
        "которую указали коллеги",
        "ұйымның поштасы (жалпыға ортақ пошта қызметінде емес, өз доменінде), оны әріптестер "
        "көрсеткен",
        "an organisation's mailbox (on its own domain, not a public mail service) given by "
        "colleagues",
    ),
    "joint_activity": (
        "участники входят с одного устройства или с одного малого адреса: за них голосует "
        "кто-то один",
        "қатысушылар бір құрылғыдан немесе бір шағын мекенжайдан кіреді: олар үшін бір адам "
        "дауыс береді",
        "members sign in from one device or one small address: one person votes for them",
    ),
    "central_enrolment": (
        "большинство участников за неделю внёс один оператор, и они не одна семья",
        "қатысушылардың көбін бір апта ішінде бір оператор енгізген, және олар бір отбасы емес",
        "one operator entered most members within a week, and they are not one family",
    ),
    "unrelated": (
        "контакт делят люди без семейной связи",
        "байланысты отбасылық байланысы жоқ адамдар бөліседі",
        "people with no family link share it",
    ),
    "device_central": (
        "на одном устройстве вошли несемейные люди, внесённые одним оператором, или шесть и "
        "более человек",
        "бір құрылғыда отбасы емес адамдар кірді: бір оператор енгізген немесе алты не одан "
        "көп адам",
        "unrelated people signed in on one device: one operator entered them, or six or more",
    ),
    "device_unrelated": (
        "на одном устройстве вошли трое и более несемейных людей",
        "бір құрылғыда отбасы емес үш не одан көп адам кірді",
        "three or more unrelated people signed in on one device",
    ),
    "family_contact": (
        "код ушёл на контакт члена семьи",
        "код отбасы мүшесінің байланысына жіберілді",
        "the code went to a family member's contact",
    ),
    "another_voter": (
        "код ушёл на контакт другого избирателя, не родственника",
        "код туысы емес басқа сайлаушының байланысына жіберілді",
        "the code went to another voter's contact, not a relative's",
    ),
    "owner_family": (
        "контакт свой и родственника; вход не там, где входили избиратели, чьи коды на него пришли",
        "байланыс өзінікі және туысынікі; кодтары осыған келген сайлаушылар кірген жерден кірмеген",
        "the contact is their own and a relative's, and they did not sign in where the voters "
        "whose codes it received did",
    ),
    "collected_codes": (
        "на один контакт пришли коды трёх и более несемейных избирателей",
        "бір байланысқа отбасы емес үш не одан көп сайлаушының коды келді",
        "one contact received the codes of three or more unrelated voters",
    ),
    "new_number": (
        "код ушёл на номер, которого нет в списке (возможно, новый номер)",
        "код тізімде жоқ нөмірге жіберілді (мүмкін, жаңа нөмір)",
        "the code went to a number on no roll line (perhaps a new number)",
    ),
    "unknown_many": (
        "на контакт, которого нет в списке, пришли коды нескольких избирателей",
        "тізімде жоқ байланысқа бірнеше сайлаушының коды келді",
        "a contact on no roll line received the codes of several voters",
    ),
    "sprint": (
        "больше записей за 10 минут, чем человек может ввести",
        "10 минутта адам енгізе алатыннан көп жазба",
        "more enrolments within 10 minutes than a person can type",
    ),
    "pace_odd_hour": (
        "сессия в часы, когда почти никто не записывает, и ещё один признак",
        "ешкім дерлік тіркемейтін сағаттардағы сессия және тағы бір белгі",
        "a session at hours when almost nobody enrols, and one more sign",
    ),
    "pace_regular": (
        "записи через почти равные промежутки, как по списку, и ещё один признак",
        "жазбалар тізім бойынша сияқты тең дерлік аралықпен, және тағы бір белгі",
        "enrolments at near-equal intervals, as from a list, and one more sign",
    ),
    "pace_fast": (
        "темп намного выше обычного для оператора и для всех, и ещё один признак",
        "қарқын оператор үшін де, барлығы үшін де әдеттегіден әлдеқайда жоғары, және тағы бір "
        "белгі",
        "a pace far above the operator's usual and everyone's, and one more sign",
    ),
    "pace_thin": (
        "много неподтверждённых, без контактов или с общими контактами, и ещё один признак",
        "расталмаған, байланыссыз немесе ортақ байланысы бар көп адам, және тағы бір белгі",
        "many unconfirmed, contactless or shared-contact members, and one more sign",
    ),
    "wave": (
        "плотная волна: намного плотнее, чем у остальных избирателей и чем у самой "
        "организации в этот час",
        "тығыз толқын: қалған сайлаушылардан да, ұйымның осы сағаттағы өзінен де әлдеқайда тығыз",
        "a tight wave: far denser than the rest of the electorate and than the organisation's "
        "own hour",
    ),
    "curve_clumped": (
        "кривая явки отличается от остальных (статистически значимо) и состоит из плотных волн",
        "қатысу қисығы қалғандардан ерекшеленеді (статистикалық маңызды) және тығыз "
        "толқындардан тұрады",
        "the turnout curve departs from the rest (significantly) and is made of tight waves",
    ),
    "curve_schedule": (
        "кривая явки отличается, но голоса растянуты, как после собрания или смены: "
        "свой распорядок",
        "қатысу қисығы ерекшеленеді, бірақ дауыстар жиналыстан немесе ауысымнан кейінгідей "
        "созылған: өз кестесі",
        "the turnout curve departs, but its ballots are spread like a meeting's or a shift's: "
        "a schedule of its own",
    ),
    "device_burst": (
        "бюллетени трёх и более несемейных избирателей отправлены с одного устройства за 15 минут",
        "отбасы емес үш не одан көп сайлаушының бюллетені бір құрылғыдан 15 минутта жіберілді",
        "ballots of three or more unrelated voters sent from one device within 15 minutes",
    ),
    "device_burst_household": (
        "бюллетени одной семьи с одного устройства",
        "бір отбасының бюллетендері бір құрылғыдан",
        "one family's ballots from one device",
    ),
}


#: the reason of a check whose records carry no code of their own: check id -> (ru, kk, en)
CHECKS: dict[str, tuple[str, str, str]] = {
    "id.check_digit": (
        "номер ИИН или СНИЛС не проходит проверку контрольной цифры",
        "ЖСН немесе СНИЛС нөмірі бақылау цифрын тексеруден өтпейді",
        "the IIN or SNILS fails its check digit",
    ),
    "id.duplicate": (
        "один и тот же национальный номер в нескольких строках списка",
        "бір ұлттық нөмір тізімнің бірнеше жолында",
        "the same national ID on more than one roll line",
    ),
    "id.birth_date_mismatch": (
        "дата рождения в ИИН не совпадает с датой в списке",
        "ЖСН-дағы туған күн тізімдегі күнмен сәйкес келмейді",
        "the birth date in the IIN differs from the roll's",
    ),
    "roll.impossible_birth_date": (
        "такой даты рождения не бывает или она позже даты проверки",
        "мұндай туған күн болмайды немесе ол тексеру күнінен кейін",
        "no such birth date, or one after the reference day",
    ),
    "roll.implausible_age": (
        "возраст ниже допустимого или выше 120 лет",
        "жасы рұқсат етілгеннен төмен немесе 120 жастан жоғары",
        "younger than the minimum age or older than 120",
    ),
    "enrol.closed_window": (
        "запись в период, когда приём был закрыт",
        "қабылдау жабық кезеңде тіркелген",
        "enrolled while enrolment was closed",
    ),
    "enrol.unconfirmed": (
        "личность не подтверждена",
        "жеке басы расталмаған",
        "identity never confirmed",
    ),
    "session.many_voters": (
        "в одной сессии вошли несколько избирателей",
        "бір сессияда бірнеше сайлаушы кірді",
        "several voters signed in within one session",
    ),
    "activity.unknown_voter": (
        "в журнале есть действия человека, которого нет в списке",
        "журналда тізімде жоқ адамның әрекеттері бар",
        "the log holds events of someone not on the roll",
    ),
    "cast.address_burst": (
        "всплеск бюллетеней одной организации с её собственного адреса",
        "бір ұйымның өз мекенжайынан бюллетендер толқыны",
        "a burst of one organisation's ballots from its own address",
    ),
    "input.bad_row": (
        "строка файла не читается; она не проверялась",
        "файл жолы оқылмайды; ол тексерілмеді",
        "a file row could not be read and was not audited",
    ),
}


def explain(code: str, lang: str = "en") -> str:
    """The text of ``code`` in ``lang`` (``ru``, ``kk`` or ``en``); the code if unknown."""
    texts = WHY.get(code)
    if texts is None:
        return code
    return texts[LANGUAGES.index(lang) if lang in LANGUAGES else 2]


def catalogue(codes: Iterable[str]) -> dict[str, dict[str, str]]:
    """The catalogue entries for ``codes``: ``{code: {"ru": ..., "kk": ..., "en": ...}}``."""
    return {c: dict(zip(LANGUAGES, WHY[c], strict=True)) for c in sorted(set(codes)) if c in WHY}


def why_sql(column: str) -> str:
    """SQL giving the English text of the code in ``column``."""
    whens = " ".join(
        f"WHEN '{code}' THEN '{texts[2].replace(chr(39), chr(39) * 2)}'"
        for code, texts in WHY.items()
    )
    return f"(CASE {column} {whens} ELSE coalesce({column}, '') END)"


def check_reason(check: str) -> dict[str, dict[str, str]]:
    """The reason of a whole check, for findings whose records carry no code."""
    texts = CHECKS.get(check)
    return {check: dict(zip(LANGUAGES, texts, strict=True))} if texts else {}
