"""What re-voting protection's requests say (service/voters/revoting.py, docs/coercion.md
§2.4–§2.6, §3), in Russian, Kazakh and English.  No text here depends on a credential's
state: the only credential error is "not registered" (§2.6)."""

from __future__ import annotations

#: key -> (ru, kk, en)
STRINGS: dict[str, tuple[str, str, str]] = {
    "msg.revoting.not_revoting_open": (
        "В этих выборах нет защиты повторного голосования (их создала прежняя версия): "
        "сервис больше не открывает такие выборы и не принимает в них голоса; создайте их "
        "заново.",
        "Бұл сайлауда қайта дауыс беруді қорғау жоқ (оны бұрынғы нұсқа жасаған): сервис "
        "мұндай сайлауды енді ашпайды және оның дауыстарын қабылдамайды; оны қайта жасаңыз.",
        "This election has no re-voting protection (an earlier version made it): this "
        "service no longer opens such an election or takes its votes; create it again.",
    ),
    "msg.revoting.not_revoting": (
        "В этих выборах нет защиты повторного голосования: сервис больше не принимает их "
        "регистрации и бюллетени.",
        "Бұл сайлауда қайта дауыс беруді қорғау жоқ: сервис олардың тіркеулері мен "
        "бюллетеньдерін енді қабылдамайды.",
        "This election has no re-voting protection: this service no longer takes its "
        "registrations or ballots.",
    ),
    "msg.revoting.not_open": (
        "Голосование не открыто.",
        "Дауыс беру ашық емес.",
        "Voting is not open.",
    ),
    "msg.revoting.no_letter": (
        "В зашифрованном списке нет письма с кодом активации для вас.",
        "Шифрланған тізімде сізге арналған белсендіру коды бар хат жоқ.",
        "The encrypted roll holds no activation letter for you.",
    ),
    "msg.registration.wrong_letter": (
        "Этот код активации — не тот, что в вашем письме.",
        "Бұл белсендіру коды сіздің хатыңыздағы код емес.",
        "This activation code is not the one on your letter.",
    ),
    "msg.registration.nonce": (
        "Эта регистрация начата не в этом сеансе, уже использована или устарела: начните "
        "её заново.",
        "Бұл тіркеу осы сеанста басталмаған, пайдаланылған немесе ескірген: оны қайта бастаңыз.",
        "This registration was not started in this session, was used or has expired: start "
        "it again.",
    ),
    "msg.registration.taken": (
        "Этот ключ голосования уже зарегистрирован: сделайте новый ключ голосования.",
        "Бұл дауыс беру кілті тіркелген: жаңа дауыс беру кілтін жасаңыз.",
        "This credential is registered already: make a new credential.",
    ),
    "msg.registration.shape": (
        "Запрос регистрации должен содержать ровно два поля: registration и private.",
        "Тіркеу сұрауында дәл екі өріс болуы керек: registration және private.",
        "A registration request holds exactly two fields: registration and private.",
    ),
    "msg.ballot.request_shape": (
        "В запросе бюллетеня не те поля: ballot и private (и opening для проверки).",
        "Бюллетень сұрауындағы өрістер дұрыс емес: ballot және private (тексеру үшін opening та).",
        "The ballot request's fields are not ballot and private (and opening for an audit).",
    ),
    "msg.ballot.not_registered": (
        "Этот ключ голосования не зарегистрирован.",
        "Бұл дауыс беру кілті тіркелмеген.",
        "This credential is not registered.",
    ),
    "msg.ballot.cap": (
        "С этим ключом голосования подано {most} бюллетеней — больше одним ключом подать нельзя.",
        "Бұл дауыс беру кілтімен {most} бюллетень берілді — бір кілтпен одан көп беруге болмайды.",
        "This credential has cast {most} ballots, the most one credential may cast.",
    ),
    "msg.audit.cap": (
        "С этим ключом голосования проверено {most} бюллетеней — больше одним ключом "
        "проверить нельзя.",
        "Бұл дауыс беру кілтімен {most} бюллетень тексерілді — бір кілтпен одан көп "
        "тексеруге болмайды.",
        "This credential has audited {most} ballots, the most one credential may audit.",
    ),
    "msg.ballot.audited": (
        "Этот бюллетень был проверен: проверенный бюллетень никогда не подаётся.",
        "Бұл бюллетень тексерілді: тексерілген бюллетень ешқашан берілмейді.",
        "This ballot was audited: an audited ballot is never cast.",
    ),
    "msg.audit.cast": (
        "Этот бюллетень подан: поданный бюллетень нельзя проверить.",
        "Бұл бюллетень берілді: берілген бюллетеньді тексеруге болмайды.",
        "This ballot was cast: a cast ballot cannot be audited.",
    ),
    "msg.ballot.ciphertext_reused": (
        "В этом бюллетене повторён шифртекст другого бюллетеня: заполните бюллетень заново.",
        "Бұл бюллетеньде басқа бюллетеньнің шифрмәтіні қайталанған: бюллетеньді қайта толтырыңыз.",
        "This ballot reuses a ciphertext of another ballot: make the ballot again.",
    ),
    "msg.registration.ciphertext_reused": (
        "В этой регистрации повторён шифртекст другой регистрации или бюллетеня: сделайте "
        "её заново.",
        "Бұл тіркеуде басқа тіркеудің немесе бюллетеньнің шифрмәтіні қайталанған: оны қайта "
        "жасаңыз.",
        "This registration reuses a ciphertext of another registration or ballot: make it again.",
    ),
    "msg.ballot.alpha_repeated": (
        "Два шифртекста здесь используют одну и ту же случайность: сделайте заново.",
        "Мұндағы екі шифрмәтін бір кездейсоқтықты пайдаланады: қайта жасаңыз.",
        "Two ciphertexts here share their randomness: make it again.",
    ),
    "msg.ballot.no_receipt": (
        "Бюллетеня с таким хешем отслеживания нет.",
        "Мұндай бақылау хеші бар бюллетень жоқ.",
        "No ballot with this tracking hash.",
    ),
    # the plan of a batch schedule (protocol/schedule_plan.py): the organiser's page
    "msg.schedule.voters": (
        "Ожидаемое число избирателей — от 1 до {most}, а не {given}.",
        "Күтілетін сайлаушылар саны 1-ден {most}-ге дейін болады, {given} емес.",
        "The expected voters are 1 to {most}, not {given}.",
    ),
    "msg.schedule.opens_at": (
        "Час открытия — от 0 до 23, а не {given}.",
        "Ашылу сағаты 0-ден 23-ке дейін болады, {given} емес.",
        "Voting opens at an hour from 0 to 23, not {given}.",
    ),
    "msg.schedule.hours": (
        "Голосование длится от 1 до {most} часов, а не {given}.",
        "Дауыс беру 1-ден {most} сағатқа дейін созылады, {given} емес.",
        "A vote lasts 1 to {most} hours, not {given}.",
    ),
    "msg.schedule.interval": (
        "Интервал между пакетами — от {least} до {most} секунд и делит час без остатка; "
        "{given} с не подходит.",
        "Топтамалар аралығы {least}-ден {most} секундқа дейін болады және сағатты қалдықсыз "
        "бөледі; {given} сек келмейді.",
        "A batch interval is {least} to {most} seconds and divides the hour; {given} s does not.",
    ),
    "msg.schedule.too_big": (
        "При таком интервале в пакете было бы {items} записей, больше {most}: выберите "
        "интервал короче или больше часов.",
        "Мұндай аралықта топтамада {items} жазба болар еді, бұл {most}-ден көп: қысқарақ "
        "аралықты немесе көбірек сағатты таңдаңыз.",
        "At this interval a batch would hold {items} items, more than {most}: choose a "
        "shorter batch interval or more hours.",
    ),
    "msg.schedule.voters_number": (
        "Ожидаемое число избирателей: введите целое число.",
        "Күтілетін сайлаушылар саны: бүтін сан енгізіңіз.",
        "The expected voters: enter a whole number.",
    ),
    "msg.schedule.opens_at_number": (
        "Час открытия: введите целое число.",
        "Ашылу сағаты: бүтін сан енгізіңіз.",
        "The opening hour: enter a whole number.",
    ),
    "msg.schedule.hours_number": (
        "Продолжительность голосования: введите целое число часов.",
        "Дауыс беру ұзақтығы: сағаттардың бүтін санын енгізіңіз.",
        "The hours of the vote: enter a whole number.",
    ),
    "msg.schedule.k0_number": (
        "K0 (маскирующие замены ключей): введите целое число.",
        "K0 (бүркеме кілт ауыстырулары): бүтін сан енгізіңіз.",
        "K0 (cover credential replacements): enter a whole number.",
    ),
    "msg.schedule.k0": (
        "K0 (маскирующие замены ключей) — от 0 до {most}; {given} не подходит.",
        "K0 (бүркеме кілт ауыстырулары) 0-ден {most}-ге дейін болады; {given} келмейді.",
        "K0 (cover credential replacements) is 0 to {most}; {given} is not.",
    ),
    "msg.schedule.epsilon": (
        "ε — от 0,01 до 1: при большем ε итоговые числа покажут, сколько избирателей "
        "заменили ключ.",
        "ε 0,01-ден 1-ге дейін болады: ε үлкенірек болса, қорытынды сандар қанша сайлаушы "
        "кілтін ауыстырғанын көрсетеді.",
        "ε is 0.01 to 1: with a larger ε the counts would show how many voters replaced "
        "a credential.",
    ),
    "msg.schedule.epsilon_number": (
        "ε: введите число, например 0,1 (не больше трёх знаков после запятой).",
        "ε: сан енгізіңіз, мысалы 0,1 (үтірден кейін үш таңбадан аспайтын).",
        "ε: enter a number such as 0.1 (at most three decimals).",
    ),
    "msg.schedule.interval_number": (
        "Интервал между пакетами: введите целое число секунд.",
        "Топтамалар аралығы: секундтардың бүтін санын енгізіңіз.",
        "The batch interval: enter a whole number of seconds.",
    ),
}
