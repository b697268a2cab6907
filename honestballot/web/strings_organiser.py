"""The organiser pages' words: key -> (ru, kk, en)."""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str, str]] = {
    # -- layout and sign-in
    "organiser.area": ("Организатор", "Ұйымдастырушы", "Organiser"),
    "organiser.elections": ("Ваши голосования", "Сіздің дауыс берулеріңіз", "Your elections"),
    "organiser.signout": ("Выйти", "Шығу", "Sign out"),
    "organiser.footer": (
        "Организатор не видит ни голосов, ни одноразовых кодов, ни ключей избирателей "
        "и не может добавлять бюллетени.",
        "Ұйымдастырушы дауыстарды, бір реттік кодтарды және сайлаушылардың кілттерін "
        "көрмейді және бюллетень қоса алмайды.",
        "The organiser sees no vote, no one-time code and no voter's key, and cannot add ballots.",
    ),
    "organiser.signin.title": (
        "Вход для организатора",
        "Ұйымдастырушыға кіру",
        "Organiser sign-in",
    ),
    "organiser.signin.hint": (
        "Введите токен организатора, выданный администратором сервера "
        "(honestballot organiser token).",
        "Сервер әкімшісі берген ұйымдастырушы токенін енгізіңіз (honestballot organiser token).",
        "Enter the organiser token the server's administrator gave you "
        "(honestballot organiser token).",
    ),
    "organiser.signin.token": ("Токен организатора", "Ұйымдастырушы токені", "Organiser token"),
    "organiser.signin.submit": ("Войти", "Кіру", "Sign in"),
    "organiser.signin.failed": (
        "Токен неверен или отозван.",
        "Токен қате немесе кері қайтарылған.",
        "The token is wrong or has been revoked.",
    ),
    # -- the list of elections and creating one
    "organiser.election": ("Голосование", "Дауыс беру", "Election"),
    "organiser.election_id": ("Идентификатор", "Сәйкестендіргіш", "Identifier"),
    "organiser.elections.none": (
        "Голосований пока нет.",
        "Әзірге дауыс беру жоқ.",
        "No elections yet.",
    ),
    "organiser.create.title": ("Создать голосование", "Дауыс беруді құру", "Create an election"),
    "organiser.create.hint": (
        "Загрузите манифест и файл ключа выборов (election-key.json), которым завершилась "
        "церемония хранителей ключа. Церемония проверяется целиком и должна быть "
        "проведена для этого манифеста.",
        "Манифесті және кілт сақтаушылардың рәсімі аяқталған сайлау "
        "кілтінің файлын (election-key.json) жүктеңіз. Рәсім толығымен тексеріледі және "
        "осы манифест үшін өткізілген болуы керек.",
        "Upload the manifest and the election-key file (election-key.json) the trustees' "
        "key ceremony ended with. The whole ceremony is checked, and it must have been run "
        "for this manifest.",
    ),
    "organiser.create.manifest": ("Манифест (JSON)", "Манифест файлы (JSON)", "Manifest (JSON)"),
    "organiser.create.key": (
        "Ключ выборов (election-key.json)",
        "Сайлау кілті (election-key.json)",
        "Election key (election-key.json)",
    ),
    "organiser.create.submit": ("Создать", "Құру", "Create"),
    "organiser.create.failed": (
        "Голосование не создано:",
        "Дауыс беру құрылмады:",
        "The election was not created:",
    ),
    # -- re-voting protection: the batch schedule on the create form (protocol/schedule_plan.py)
    "organiser.revoting.title": (
        "Защита переголосования (пакеты)",
        "Қайта дауыс беруді қорғау (топтамалар)",
        "Protect re-voting (batches)",
    ),
    "organiser.revoting.for_voters": (
        "Что видят избиратели: голоса и регистрации появляются на общей доске не сразу, а "
        "пакетами в назначенное время. В каждом пакете ровно столько записей, сколько задаёт "
        "расписание, недостающие сервис дополняет маскирующими, поэтому по доске никто (даже "
        "вы) не может понять, кто проголосовал повторно или заменил ключ голосования. "
        "Избиратель, на которого давили, может позже проголосовать ещё раз наедине: "
        "считается только последний голос.",
        "Сайлаушылар не көреді: дауыстар мен тіркеулер жалпы тақтада бірден емес, белгіленген "
        "уақытта топтамалармен шығады. Әр топтамада кесте белгілеген санда жазба болады, "
        "жетпегенін сервис бүркеме жазбалармен толтырады, сондықтан тақтадан ешкім (тіпті "
        "сіз де) кім қайта дауыс бергенін немесе дауыс беру кілтін ауыстырғанын біле "
        "алмайды. Қысым көрген сайлаушы кейін оңаша қайта дауыс бере алады: тек соңғы дауыс "
        "есептеледі.",
        "What voters see: votes and registrations appear on the public board in batches at "
        "fixed times, not at once. Every batch holds as many items as the schedule fixes, "
        "topped up with cover the service makes, so no one (not even you) can tell from the "
        "board who voted again or replaced a credential. A voter who was pressed can vote "
        "again later in private: only the last vote counts.",
    ),
    "organiser.revoting.for_organiser": (
        "Что нужно сделать вам: сначала создайте ключ организатора (honestballot organiser "
        "keygen) и укажите ниже его открытый ключ. Создав голосование и загрузив список, "
        "сделайте на своём компьютере зашифрованный список и письма избирателям с кодами "
        "активации (honestballot organiser make-roll), загрузите зашифрованный список на "
        "странице голосования (шаг «Зашифрованный список») и разошлите письма: голосование "
        "открывается только с зашифрованным списком.",
        "Сіз не істеуіңіз керек: алдымен ұйымдастырушы кілтін жасаңыз (honestballot organiser "
        "keygen) және оның ашық кілтін төменде көрсетіңіз. Дауыс беруді құрып, тізімді "
        "жүктегеннен кейін өз компьютеріңізде шифрланған тізімді және сайлаушыларға "
        "белсендіру коды бар хаттарды жасаңыз (honestballot organiser make-roll), шифрланған "
        "тізімді дауыс беру бетінде жүктеңіз («Шифрланған тізім» қадамы) және хаттарды "
        "жіберіңіз: дауыс беру тек шифрланған тізіммен ашылады.",
        "What you must do: first make your organiser key (honestballot organiser keygen) and "
        "give its public key below. Once the election is created and the roll imported, make "
        "the encrypted roll and the voters' letters with their activation codes on your own "
        "computer (honestballot organiser make-roll), upload the encrypted roll on the "
        "election's page (the “Encrypted roll” step) and mail the letters: the election "
        "opens only with the encrypted roll.",
    ),
    "organiser.revoting.how": (
        "Расписание задаётся до открытия и не меняется. В каждом часе оно оставляет место "
        "вдвое большему числу избирателей, чем ожидается (каждый один раз регистрируется и "
        "голосует; повторные голоса занимают запас); если придёт больше, их голоса подождут "
        "следующего пакета. Часы отсчитываются с момента, когда вы открываете голосование.",
        "Кесте ашылғанға дейін белгіленеді және өзгермейді. Әр сағатта ол күтілгеннен екі "
        "есе көп сайлаушыға орын қалдырады (әркім бір рет тіркеліп, дауыс береді; қайта "
        "берілген дауыстар қордағы орынды алады); көбірек келсе, олардың дауыстары келесі "
        "топтаманы күтеді. Сағаттар дауыс беруді ашқан сәттен бастап саналады.",
        "The schedule is fixed before opening and cannot change. In every hour it leaves room "
        "for twice the voters expected (each registers once and votes; re-votes use the spare "
        "room); if more come, their votes wait for the next batch. Hours count from the "
        "moment you open the election.",
    ),
    "organiser.revoting.voters": (
        "Ожидаемое число избирателей",
        "Күтілетін сайлаушылар саны",
        "Expected voters",
    ),
    "organiser.revoting.opens_at": (
        "Голосование открывается в (местное время избирателей)",
        "Дауыс беру ашылатын уақыт (сайлаушылардың жергілікті уақыты)",
        "Voting opens at (voters' local time)",
    ),
    "organiser.revoting.hours": (
        "Продолжительность голосования, часов",
        "Дауыс беру ұзақтығы, сағат",
        "Voting lasts (hours)",
    ),
    "organiser.revoting.interval": (
        "Интервал между пакетами",
        "Топтамалар аралығы",
        "A batch every",
    ),
    "organiser.revoting.seconds": ("{n} с", "{n} сек", "{n} s"),
    "organiser.revoting.minutes": ("{n} мин", "{n} минут", "{n} min"),
    "organiser.revoting.show": (
        "Показать предлагаемое расписание",
        "Ұсынылған кестені көрсету",
        "Show the proposed schedule",
    ),
    "organiser.revoting.proposed": (
        "Предлагаемое расписание пакетов",
        "Ұсынылған топтамалар кестесі",
        "The proposed batch schedule",
    ),
    "organiser.revoting.summary": (
        "Избирателей: {voters}, часов: {hours}. Пакетов: {batches}; в них место для голосов: "
        "{rows}, для регистраций: {registrations}.",
        "Сайлаушылар: {voters}, сағаттар: {hours}. Топтамалар: {batches}; оларда дауыстарға "
        "{rows}, тіркеулерге {registrations} орын бар.",
        "Voters: {voters}, hours: {hours}. Batches: {batches}, with room for {rows} votes "
        "and {registrations} registrations.",
    ),
    "organiser.revoting.k0": (
        "Маскирующих замен ключей, K0",
        "Бүркеме кілт ауыстырулары, K0",
        "Cover credential replacements, K0",
    ),
    "organiser.revoting.epsilon": (
        "Шум их числа, ε (от 0,01 до 1)",
        "Олардың санының шуы, ε (0,01-ден 1-ге дейін)",
        "Noise on their number, ε (0.01 to 1)",
    ),
    "organiser.revoting.cover_hint": (
        "Сервис сам делает K0 замен ключей плюс случайный шум, неотличимых от настоящих: "
        "так по доске нельзя узнать, сколько избирателей заменили ключ, — любая одна замена "
        "меняет вероятность опубликованных чисел не более чем в e^ε раза. K0 и ε входят в "
        "настройку и видны всем. По умолчанию K0 = 300 и ε = 0,1; меньшее ε скрывает лучше, "
        "ε больше 1 не скрывает почти ничего и не принимается.",
        "Сервис өзі K0 кілт ауыстыруын және кездейсоқ шуды жасайды, олар нақтыларынан "
        "айырылмайды: сондықтан тақтадан қанша сайлаушы кілтін ауыстырғанын білуге болмайды, "
        "кез келген бір ауыстыру жарияланған сандардың ықтималдығын e^ε еседен артық "
        "өзгертпейді. K0 мен ε баптауға кіреді және бәріне көрінеді. Әдепкі K0 = 300 және "
        "ε = 0,1; ε кішірек болса, жақсырақ жасырады, 1-ден үлкен ε ештеңені дерлік "
        "жасырмайды және қабылданбайды.",
        "The service itself makes K0 credential replacements plus random noise, "
        "indistinguishable from real ones, so the board does not tell how many voters "
        "replaced a credential: any one replacement changes the published counts' likelihood "
        "at most e^ε times. K0 and ε are part of the setup, public to all. Defaults: "
        "K0 = 300 and ε = 0.1; a smaller ε hides better, and an ε above 1 hides next to "
        "nothing and is refused.",
    ),
    "organiser.revoting.cover": (
        "Маскирующие замены ключей: K0 = {k0}, ε = {epsilon}.",
        "Бүркеме кілт ауыстырулары: K0 = {k0}, ε = {epsilon}.",
        "Cover credential replacements: K0 = {k0}, ε = {epsilon}.",
    ),
    "organiser.revoting.when": ("Часы", "Сағаттар", "Hours"),
    "organiser.revoting.expected": (
        "Ожидается избирателей в час",
        "Сағатына күтілетін сайлаушылар",
        "Expected voters an hour",
    ),
    "organiser.revoting.rows": ("Голосов в пакете", "Топтамадағы дауыстар", "Votes per batch"),
    "organiser.revoting.registrations": (
        "Регистраций в пакете",
        "Топтамадағы тіркеулер",
        "Registrations per batch",
    ),
    "organiser.revoting.day": ("день {n}", "{n}-күн", "day {n}"),
    "organiser.revoting.after": (
        "Если голосование идёт дольше, действуют размеры последнего часа.",
        "Дауыс беру ұзағырақ жүрсе, соңғы сағаттың өлшемдері қолданылады.",
        "If voting runs longer, the last hour's sizes hold.",
    ),
    "organiser.revoting.failed": (
        "Расписание не предложено:",
        "Кесте ұсынылмады:",
        "No schedule was proposed:",
    ),
    "organiser.revoting.default": (
        "Каждое голосование создаётся с защитой переголосования.",
        "Әр дауыс беру қайта дауыс беруді қорғаумен құрылады.",
        "Every election is created with re-voting protection.",
    ),
    "organiser.revoting.use": (
        "Голосование будет создано с защитой переголосования по этому расписанию.",
        "Дауыс беру осы кесте бойынша қайта дауыс беруді қорғаумен құрылады.",
        "The election will be created with re-voting protection on this schedule.",
    ),
    "organiser.revoting.use_first": (
        "Сначала укажите выше ожидаемое число избирателей и покажите предлагаемое расписание.",
        "Алдымен жоғарыда күтілетін сайлаушылар санын көрсетіп, ұсынылған кестені ашыңыз.",
        "First enter the expected voters above and show the proposed schedule.",
    ),
    "organiser.revoting.none": (
        "У этого голосования нет защиты повторного голосования: его создала прежняя "
        "версия, и этот сервис больше не открывает такие голосования и не принимает в них "
        "голоса. Создайте его заново.",
        "Бұл дауыс беруде қайта дауыс беруді қорғау жоқ: оны бұрынғы нұсқа жасаған, бұл "
        "сервис мұндай дауыс беруді енді ашпайды және оның дауыстарын қабылдамайды. Оны "
        "қайта жасаңыз.",
        "This election has no re-voting protection: an earlier version made it, and this "
        "service no longer opens such an election or takes its votes. Create it again.",
    ),
    "organiser.create.organiser_key": (
        "Открытый ключ организатора (hex)",
        "Ұйымдастырушының ашық кілті (hex)",
        "Organiser's public key (hex)",
    ),
    "organiser.create.organiser_key.hint": (
        "Его печатает honestballot organiser keygen. Он нужен для защиты переголосования (им "
        "подписывается зашифрованный список); другому голосованию необязателен: если он "
        "указан, сводку списка при открытии нужно подписать им.",
        "Оны honestballot organiser keygen басып шығарады. Ол қайта дауыс беруді қорғау үшін "
        "керек (шифрланған тізімге онымен қол қойылады); басқа дауыс беруге міндетті емес: "
        "көрсетілсе, ашқан кезде тізім қорытындысына онымен қол қою керек.",
        "honestballot organiser keygen prints it. Re-voting protection needs it (it signs the "
        "encrypted roll); for another election it is optional: if given, the roll summary "
        "must be signed with it at opening.",
    ),
    # -- re-voting protection: the encrypted roll on the dashboard
    "organiser.encrypted_roll": ("Зашифрованный список", "Шифрланған тізім", "Encrypted roll"),
    "organiser.encrypted_roll.hint": (
        "У этого голосования защита переголосования: оно открывается только с зашифрованным "
        "списком. Загрузив список избирателей, скачайте сводку списка, сделайте на своём "
        "компьютере зашифрованный список и письма с кодами активации командой ниже, "
        "загрузите сюда файл, который она записала (--out), и разошлите письма до открытия.",
        "Бұл дауыс беруде қайта дауыс беруді қорғау бар: ол тек шифрланған тізіммен ашылады. "
        "Сайлаушылар тізімін жүктегеннен кейін тізім қорытындысын жүктеп алыңыз, өз "
        "компьютеріңізде төмендегі командамен шифрланған тізімді және белсендіру коды бар "
        "хаттарды жасаңыз, ол жазған файлды (--out) осында жүктеңіз және хаттарды ашқанға "
        "дейін жіберіңіз.",
        "This election has re-voting protection: it opens only with the encrypted roll. Once "
        "the roll is imported, download the roll summary, make the encrypted roll and the "
        "letters with their activation codes on your own computer with the command below, "
        "upload here the file it wrote (--out), and mail the letters before opening.",
    ),
    "organiser.encrypted_roll.schedule": (
        "Расписание пакетов в настройке: пакет каждые {interval} с, часов в расписании: {hours}.",
        "Баптаудағы топтамалар кестесі: әр {interval} сек сайын бір топтама, кестедегі "
        "сағаттар: {hours}.",
        "The setup's batch schedule: a batch every {interval} s, {hours} hours listed.",
    ),
    "organiser.encrypted_roll.cover": (
        "Маскирующие замены ключей в настройке: K0 = {k0}, ε = {epsilon}.",
        "Баптаудағы бүркеме кілт ауыстырулары: K0 = {k0}, ε = {epsilon}.",
        "The setup's cover credential replacements: K0 = {k0}, ε = {epsilon}.",
    ),
    "organiser.encrypted_roll.summary": (
        "Скачать сводку списка",
        "Тізім қорытындысын жүктеп алу",
        "Download the roll summary",
    ),
    "organiser.encrypted_roll.file": (
        "Файл зашифрованного списка (JSON)",
        "Шифрланған тізім файлы (JSON)",
        "Encrypted roll file (JSON)",
    ),
    "organiser.encrypted_roll.upload": (
        "Загрузить зашифрованный список",
        "Шифрланған тізімді жүктеу",
        "Upload the encrypted roll",
    ),
    "organiser.done.encrypted_roll": (
        "Зашифрованный список принят; он будет опубликован при открытии.",
        "Шифрланған тізім қабылданды; ол ашқан кезде жарияланады.",
        "The encrypted roll was accepted; opening posts it.",
    ),
    # -- the dashboard: confirmations and errors
    "organiser.done.created": (
        "Голосование создано.",
        "Дауыс беру құрылды.",
        "The election was created.",
    ),
    "organiser.done.roll": (
        "Список избирателей загружен.",
        "Сайлаушылар тізімі жүктелді.",
        "The roll was imported.",
    ),
    "organiser.done.exception": (
        "Исключение записано.",
        "Ерекшелік жазылды.",
        "The exception was recorded.",
    ),
    "organiser.done.open": (
        "Сводка списка опубликована, голосование открыто.",
        "Тізім қорытындысы жарияланды, дауыс беру ашылды.",
        "The roll summary was posted and voting is open.",
    ),
    "organiser.done.close": ("Голосование закрыто.", "Дауыс беру жабылды.", "Voting has closed."),
    "organiser.done.published": (
        "Сообщение опубликовано.",
        "Хабарлама жарияланды.",
        "The report was published.",
    ),
    "organiser.done.rejected": (
        "Сообщение отклонено.",
        "Хабарлама қабылданбады.",
        "The report was rejected.",
    ),
    "organiser.failed": ("Не выполнено:", "Орындалмады:", "Not done:"),
    # -- phases
    "organiser.phase.title": ("Этапы голосования", "Дауыс беру кезеңдері", "Phases"),
    "organiser.phase.nothing.close": (
        "Организатору больше нечего переключать: это голосование считают хранители ключа при "
        "закрытии, этап за этапом (honestballot trustee close-round); итог публикуется, "
        "когда закрытие завершено.",
        "Ұйымдастырушыға ауыстыратын ештеңе қалмады: бұл дауыс беруді кілт сақтаушылар жабу "
        "кезінде кезең-кезеңімен санайды (honestballot trustee close-round); қорытынды жабу "
        "аяқталғанда жарияланады.",
        "Nothing is left for the organiser to switch: the trustees count this election in "
        "its close, round by round (honestballot trustee close-round); the result is "
        "published when the close is done.",
    ),
    "organiser.phase.done": (
        "Голосование завершено: итоги опубликованы.",
        "Дауыс беру аяқталды: қорытынды жарияланды.",
        "Voting is over: the results are published.",
    ),
    "organiser.action.open": ("Открыть голосование", "Дауыс беруді ашу", "Open voting"),
    "organiser.action.close": ("Закрыть голосование", "Дауыс беруді жабу", "Close voting"),
    "organiser.action.open.hint": (
        "При открытии на доске публикуется сводка списка (избиратели по участкам и число "
        "исключений); после этого список изменить нельзя.",
        "Ашқан кезде тақтада тізім қорытындысы (учаскелер бойынша сайлаушылар және "
        "ерекшеліктер саны) жарияланады; одан кейін тізімді өзгертуге болмайды.",
        "Opening posts the roll summary on the board (voters per unit and the number of "
        "exceptions); the roll cannot change afterwards.",
    ),
    "organiser.action.close.hint": (
        "После закрытия ни один бюллетень не принимается.",
        "Жабылғаннан кейін бірде-бір бюллетень қабылданбайды.",
        "After closing, no ballot is accepted.",
    ),
    # -- the roll
    "organiser.roll": ("Список избирателей", "Сайлаушылар тізімі", "Voter roll"),
    "organiser.unit": ("Участок", "Учаске", "Unit"),
    "organiser.voters": ("Избирателей", "Сайлаушылар", "Voters"),
    "organiser.total": ("Всего", "Барлығы", "Total"),
    "organiser.unit.small": ("меньше минимума", "ең аздан кем", "below the minimum"),
    "organiser.unit.small.hint": (
        "Итоги участка меньше минимального размера не публикуются отдельно",
        "Ең аз мөлшерден кіші учаскенің қорытындысы бөлек жарияланбайды",
        "A unit smaller than the minimum size gets no results of its own",
    ),
    "organiser.roll.file": ("Файл списка (CSV)", "Тізім файлы (CSV)", "Roll file (CSV)"),
    "organiser.roll.format": (
        "Столбцы: national_id, name, unit и phone или email; по желанию label — короткая "
        "метка члена семьи с общим телефоном («мама», «сын 2»), её получит SMS с кодом "
        "(не имя и не номер: SMS читает оператор связи). Файл принимается целиком или не "
        "принимается вовсе; все ошибки перечисляются с номерами строк.",
        "Бағандар: national_id, name, unit және phone немесе email; қаласаңыз label — "
        "ортақ телефоны бар отбасы мүшесінің қысқа белгісі («анам», «2-ұлы»), ол кодпен "
        "бірге SMS-те көрсетіледі (аты да, нөмірі де емес: SMS-ті байланыс операторы "
        "оқиды). Файл толығымен қабылданады немесе мүлдем қабылданбайды; барлық қателер "
        "жол нөмірлерімен көрсетіледі.",
        "Columns: national_id, name, unit and phone or email; optionally label, a short "
        "label for a family member on a shared phone (“mother”, “son 2”) that the code's "
        "SMS shows (never a name or a number: the carrier reads the SMS). The file is "
        "imported whole or not at all; every problem is listed with its line number.",
    ),
    "organiser.roll.upload": ("Загрузить список", "Тізімді жүктеу", "Import the roll"),
    "organiser.roll.rejected": (
        "Список не загружен, ничего не сохранено. Ошибки",
        "Тізім жүктелмеді, ештеңе сақталмады. Қателер",
        "The roll was not imported and nothing was stored. Problems",
    ),
    # -- the manifest form
    "organiser.manifest_form.title": (
        "Манифест выборов",
        "Сайлау манифесі",
        "The election's manifest",
    ),
    "organiser.manifest_form.link": (
        "Составить манифест в форме (без JSON)",
        "Манифесті формада құрастыру (JSON-сыз)",
        "Build the manifest in a form (no JSON)",
    ),
    "organiser.manifest_form.intro": (
        "Манифест называет выборы, их вопросы (контесты) с кандидатами и участки на трёх "
        "языках. Проверьте его здесь, скачайте файл и передайте хранителям ключа: они "
        "проводят церемонию ключей для хеша этого манифеста. Затем создайте голосование из "
        "файла манифеста и файла ключа выборов.",
        "Манифест сайлауды, оның сұрақтарын (контестерін) үміткерлерімен және учаскелерді "
        "үш тілде атайды. Оны осында тексеріп, файлын жүктеп алыңыз да, кілт сақтаушыларға "
        "беріңіз: олар кілт рәсімін осы манифест хеші үшін өткізеді. Содан кейін дауыс "
        "беруді манифест файлы мен сайлау кілтінің файлынан құрыңыз.",
        "The manifest names the election, its contests with their candidates, and the units, "
        "in three languages. Check it here, download the file and give it to the trustees: "
        "they run the key ceremony for this manifest's hash. Then create the election from "
        "the manifest file and the election key file.",
    ),
    "organiser.manifest_form.id_hint": (
        "Латинские строчные буквы, цифры, «-» и «_», до 64 знаков; например, primary-2026.",
        "Латынның кіші әріптері, сандар, «-» және «_», 64 таңбаға дейін; мысалы, primary-2026.",
        "Lower-case letters a-z, digits, '-' and '_', up to 64; for example primary-2026.",
    ),
    "organiser.manifest_form.title_in.ru": (
        "Название по-русски",
        "Атауы орыс тілінде",
        "Title in Russian",
    ),
    "organiser.manifest_form.title_in.kk": (
        "Название по-казахски",
        "Атауы қазақ тілінде",
        "Title in Kazakh",
    ),
    "organiser.manifest_form.title_in.en": (
        "Название по-английски",
        "Атауы ағылшын тілінде",
        "Title in English",
    ),
    "organiser.manifest_form.min_unit_size": (
        "Минимальный размер участка (бюллетеней)",
        "Учаскенің ең аз өлшемі (бюллетень)",
        "Minimum unit size (ballots)",
    ),
    "organiser.manifest_form.units": ("Участки", "Учаскелер", "Units"),
    "organiser.manifest_form.units_hint": (
        "По одному участку в строке: код; название по-русски; по-казахски; по-английски. "
        "Например: almaly; Алмалинский; Алмалы; Almaly",
        "Әр жолда бір учаске: коды; орысша атауы; қазақша; ағылшынша. Мысалы: almaly; "
        "Алмалинский; Алмалы; Almaly",
        "One unit per line: id; name in Russian; in Kazakh; in English. For example: "
        "almaly; Алмалинский; Алмалы; Almaly",
    ),
    "organiser.manifest_form.contests": (
        "Вопросы и кандидаты",
        "Сұрақтар мен үміткерлер",
        "Contests",
    ),
    "organiser.manifest_form.contests_hint": (
        "Для каждого вопроса — строка: код; минимум; максимум выборов; «против всех» "
        "(да/нет); название по-русски; по-казахски; по-английски; и, если нужно, способ "
        "подсчёта (ниже). Под ней — по строке на кандидата: код; имя по-русски; "
        "по-казахски; по-английски. Вопросы разделяются пустой строкой. При минимуме 0 в "
        "бюллетене появляется вариант «пустой бюллетень».",
        "Әр сұраққа бір жол: коды; ең аз; ең көп таңдау; «бәріне қарсы» (иә/жоқ); "
        "орысша атауы; қазақша; ағылшынша; және қажет болса, санау тәсілі (төменде). Одан "
        "төмен әр үміткерге бір жол: коды; орысша аты; қазақша; ағылшынша. Сұрақтар бос "
        "жолмен бөлінеді. Ең азы 0 болса, бюллетеньде «бос бюллетень» нұсқасы пайда болады.",
        "For each contest a line: id; minimum; maximum choices; against all (yes/no); title "
        "in Russian; in Kazakh; in English; and, if needed, how it is counted (below). Below "
        "it one line per candidate: id; name in Russian; in Kazakh; in English. An empty "
        "line separates contests. With a minimum of 0 the ballot gets a blank-ballot option.",
    ),
    "organiser.manifest_form.kinds_hint": (
        "Способ подсчёта — восьмое значение строки вопроса. Пусто: обычный вопрос, где "
        "избиратель отмечает кандидатов. irv или schulze: ранжированный вопрос, где "
        "избиратель расставляет кандидатов по местам, а итог считается мгновенным вторым "
        "туром (irv) или методом Шульце (schulze). Его максимум — число мест, от 1 до "
        "{most} и не больше числа кандидатов; минимум — 0 или 1. mix: обычный вопрос, "
        "подсчитанный перемешиванием. Например: leader; 1; 3; да; Лидер; Жетекші; "
        "Leader; irv",
        "Санау тәсілі — сұрақ жолының сегізінші мәні. Бос: сайлаушы үміткерлерді "
        "белгілейтін әдеттегі сұрақ. irv немесе schulze: сайлаушы үміткерлерді орындарға "
        "қоятын рейтингтік сұрақ, қорытынды лездік екінші турмен (irv) немесе Шульце "
        "әдісімен (schulze) саналады. Оның ең көбі — орын саны, 1-ден {most}-ға дейін және "
        "үміткерлер санынан аспайды; ең азы — 0 немесе 1. mix: араластыру арқылы "
        "саналатын әдеттегі сұрақ. Мысалы: leader; 1; 3; иә; Лидер; Жетекші; Leader; irv",
        "How it is counted is the contest line's eighth value. Empty: a usual contest, "
        "where the voter marks candidates. irv or schulze: a ranked contest, where the "
        "voter puts candidates in order and the result is counted by instant-runoff (irv) "
        "or the Schulze method (schulze). Its maximum is the number of places, from 1 to "
        "{most} and no more than the candidates; its minimum is 0 or 1. mix: a usual "
        "contest counted by mixing. For example: leader; 1; 3; yes; Лидер; Жетекші; "
        "Leader; irv",
    ),
    "organiser.manifest_form.ranks_cap": (
        "Почему мест не больше {most}: каждое ранжирование публикуется целиком (без имени "
        "избирателя). Чем больше мест, тем больше возможных порядков, и принуждающий может "
        "потребовать редкий порядок нижних мест, чтобы найти бюллетень среди "
        "опубликованных («итальянская атака»). Если вы опасаетесь давления на "
        "избирателей, выберите меньше мест: 3 места из 10 кандидатов дают лишь 720 "
        "порядков. Ранжированные вопросы не публикуются по участкам.",
        "Неге орын {most}-дан аспайды: әр рейтинг толығымен (сайлаушының атынсыз) "
        "жарияланады. Орын көп болған сайын мүмкін реттер көбейеді, ал мәжбүрлеуші "
        "бюллетеньді жарияланғандардың арасынан табу үшін төменгі орындардың сирек ретін "
        "талап ете алады («итальяндық шабуыл»). Сайлаушыларға қысым жасалуынан "
        "қауіптенсеңіз, орынды азырақ таңдаңыз: 10 үміткерден 3 орын тек 720 рет береді. "
        "Рейтингтік сұрақтар учаскелер бойынша жарияланбайды.",
        "Why at most {most} places: every ranking is published whole (without the voter's "
        "name). The more places, the more possible orders, and a coercer can demand a rare "
        "order of the lower places to find the ballot among those published (the "
        "'Italian attack'). If you fear pressure on voters, choose fewer places: 3 "
        "places of 10 candidates leave only 720 orders. Ranked contests are never "
        "published per unit.",
    ),
    "organiser.manifest_form.check": ("Проверить", "Тексеру", "Check"),
    "organiser.manifest_form.download": (
        "Скачать файл манифеста",
        "Манифест файлын жүктеу",
        "Download the manifest file",
    ),
    "organiser.manifest_form.import": (
        "Загрузить готовый файл манифеста в форму",
        "Дайын манифест файлын формаға жүктеу",
        "Load a manifest file into the form",
    ),
    "organiser.manifest_form.load": ("Загрузить", "Жүктеу", "Load"),
    "organiser.manifest_form.ok": (
        "Манифест составлен верно. Хеш, для которого хранители ключа проводят церемонию:",
        "Манифест дұрыс құрастырылды. Кілт сақтаушылар рәсімді өткізетін хеш:",
        "The manifest is valid. The hash the trustees run their key ceremony for:",
    ),
    "organiser.manifest_form.hash": ("Хеш манифеста", "Манифест хеші", "Manifest hash"),
    "organiser.roll.frozen.open": (
        "Голосование открыто: список зафиксирован и опубликован на доске.",
        "Дауыс беру ашылды: тізім бекітіліп, тақтада жарияланды.",
        "Voting has opened: the roll is frozen and its summary is on the board.",
    ),
    "organiser.roll.frozen.after": (
        "Голосование закрыто. Список был зафиксирован при открытии и опубликован на доске; "
        "изменить его больше нельзя.",
        "Дауыс беру жабылды. Тізім ашылған кезде бекітіліп, тақтада жарияланған; оны енді "
        "өзгертуге болмайды.",
        "Voting has closed. The roll was frozen when voting opened and its summary is on the "
        "board; it can no longer change.",
    ),
    "organiser.exceptions.first": (
        "Сначала запишите исключения для общих телефонов и e-mail, затем загрузите список: "
        "список с общим контактом без исключения не принимается.",
        "Алдымен ортақ телефондар мен e-mail үшін ерекшеліктерді жазыңыз, содан кейін "
        "тізімді жүктеңіз: ерекшелігі жоқ ортақ байланысы бар тізім қабылданбайды.",
        "Record the exceptions for shared phones and e-mails first, then import the roll: a "
        "roll with a shared contact that has no exception is refused.",
    ),
    "organiser.exceptions.for_rejected": (
        "Общие контакты из отклонённого списка. Если они действительно общие (например, "
        "семейный телефон), запишите для них исключение с причиной и загрузите файл снова.",
        "Қабылданбаған тізімдегі ортақ байланыстар. Егер олар шынымен ортақ болса (мысалы, "
        "отбасылық телефон), себебін көрсетіп ерекшелік жазыңыз да, файлды қайта жүктеңіз.",
        "Shared contacts in the refused roll. If they really are shared (a family phone, "
        "say), record an exception with a reason for them and import the file again.",
    ),
    "organiser.exceptions.add_all": (
        "Записать исключения для этих контактов",
        "Осы байланыстарға ерекшеліктерді жазу",
        "Record exceptions for these contacts",
    ),
    # -- shared-contact exceptions
    "organiser.exceptions": (
        "Исключения для общих контактов",
        "Ортақ байланыстарға арналған ерекшеліктер",
        "Shared-contact exceptions",
    ),
    "organiser.exceptions.hint": (
        "Один телефон или e-mail — один избиратель. Общий контакт (например, семейный "
        "телефон) допускается только с записанной причиной; число исключений "
        "публикуется на доске.",
        "Бір телефон немесе e-mail — бір сайлаушы. Ортақ байланысқа (мысалы, отбасылық "
        "телефон) тек себебі жазылған жағдайда рұқсат етіледі; ерекшеліктер саны "
        "тақтада жарияланады.",
        "One phone or e-mail, one voter. A shared contact (a family phone, say) is allowed "
        "only with a recorded reason; the number of exceptions is published on the board.",
    ),
    "organiser.exceptions.contact": (
        "Телефон или e-mail",
        "Телефон немесе e-mail",
        "Phone or e-mail",
    ),
    "organiser.exceptions.reason": ("Причина", "Себебі", "Reason"),
    "organiser.exceptions.none": ("Исключений нет.", "Ерекшеліктер жоқ.", "No exceptions."),
    "organiser.exceptions.add": ("Записать исключение", "Ерекшелікті жазу", "Record the exception"),
    # -- notices
    "organiser.notices": (
        "Уведомления избирателям",
        "Сайлаушыларға хабарламалар",
        "Notices to voters",
    ),
    "organiser.notices.pending": ("Ещё не отправлено", "Әлі жіберілмеген", "Not sent yet"),
    # -- reports
    "organiser.reports": (
        "Сообщения о давлении",
        "Қысым туралы хабарламалар",
        "Reports of pressure",
    ),
    "organiser.reports.pending": ("ждут решения", "шешім күтуде", "pending"),
    "organiser.reports.published": ("опубликовано", "жарияланды", "published"),
    "organiser.reports.rejected": ("отклонено", "қабылданбады", "rejected"),
    "organiser.reports.hint": (
        "Перед публикацией уберите всё, что может указать на автора или других людей: "
        "имена, телефоны, адреса, названия небольших отделов.",
        "Жарияламас бұрын авторды немесе басқа адамдарды көрсетуі мүмкін барлығын алып "
        "тастаңыз: аты-жөндерді, телефондарды, мекенжайларды, шағын бөлімдердің атауларын.",
        "Before publishing, remove anything that could point to the author or to other "
        "people: names, phone numbers, addresses, names of small departments.",
    ),
    "organiser.reports.what": ("Что произошло", "Не болды", "What happened"),
    "organiser.reports.place": ("Где", "Қайда", "Where"),
    "organiser.reports.when": ("Когда", "Қашан", "When"),
    "organiser.reports.attachment": (
        "Скачать вложение",
        "Тіркемені жүктеу",
        "Download the attachment",
    ),
    "organiser.reports.edited": (
        "Текст для публикации (без личных данных)",
        "Жариялауға арналған мәтін (жеке деректерсіз)",
        "Text to publish (personal data removed)",
    ),
    "organiser.reports.attachment_public": (
        "Опубликовать и вложение (я проверил, что в нём нет личных данных)",
        "Тіркемені де жариялау (онда жеке деректер жоқ екенін тексердім)",
        "Publish the attachment too (I checked it holds no personal data)",
    ),
    "organiser.reports.publish": ("Опубликовать", "Жариялау", "Publish"),
    "organiser.reports.reason": (
        "Причина отказа (не публикуется)",
        "Бас тарту себебі (жарияланбайды)",
        "Reason for rejecting (not published)",
    ),
    "organiser.reports.reject": ("Отклонить", "Қабылдамау", "Reject"),
    "organiser.reports.none": (
        "Новых сообщений нет.",
        "Жаңа хабарламалар жоқ.",
        "No reports are waiting.",
    ),
    # -- the integrity audit
    "organiser.audit": ("Аудит целостности", "Тұтастық аудиті", "Integrity audit"),
    "organiser.audit.hint": (
        "В списке для honestballot audit личные данные: не публикуйте его. Журнал входов и "
        "голосований не выдаётся: аудит читает его на сервере, чтобы организаторы не видели, "
        "кто проголосовал повторно.",
        "honestballot audit үшін тізімде жеке деректер бар: оны жарияламаңыз. Кіру мен дауыс "
        "беру журналы берілмейді: аудит оны серверде оқиды, сондықтан ұйымдастырушылар кімнің "
        "қайта дауыс бергенін көрмейді.",
        "The roll for honestballot audit holds personal data: do not publish it. The sign-in "
        "and voting log is not handed out: the audit reads it on the server, so that organisers "
        "cannot see who voted again.",
    ),
    "organiser.download.roll": (
        "Скачать список для аудита (CSV)",
        "Аудитке арналған тізімді жүктеу (CSV)",
        "Download the roll for the audit (CSV)",
    ),
    "organiser.audit.open": ("Результаты аудита", "Аудит нәтижелері", "Audit findings"),
    "organiser.audit.unavailable": (
        "Аудит нельзя выполнить на этом сервере:",
        "Бұл серверде аудит жүргізу мүмкін емес:",
        "The audit cannot run on this server:",
    ),
    "organiser.audit.rows": ("Прочитано строк", "Оқылған жолдар", "Rows read"),
    "organiser.audit.bad_rows": (
        "пропущено неверных строк",
        "өткізілген қате жолдар",
        "malformed rows skipped",
    ),
    "organiser.audit.json": (
        "Все находки с записями (JSON)",
        "Жазбалары бар барлық табылған жайттар (JSON)",
        "All findings with records (JSON)",
    ),
    "organiser.audit.check": ("Проверка", "Тексеру", "Check"),
    "organiser.audit.finding": ("Что найдено", "Табылған жайт", "Finding"),
    "organiser.audit.count": ("Сколько", "Саны", "Count"),
    "organiser.severity.critical": ("Критично", "Өте маңызды", "Critical"),
    "organiser.severity.high": ("Высокая важность", "Жоғары маңыздылық", "High"),
    "organiser.severity.medium": ("Средняя важность", "Орташа маңыздылық", "Medium"),
    "organiser.severity.low": ("Низкая важность", "Төмен маңыздылық", "Low"),
    "organiser.severity.info": ("Для сведения", "Ақпарат үшін", "Information"),
    # -- the confirm step
    "organiser.roll_signature.help": (
        "У этих выборов есть ключ организатора: сводку списка нужно подписать на вашем "
        "компьютере. Скачайте её, сверьте числа со своим списком, подпишите командой ниже "
        "и загрузите файл подписи.",
        "Бұл сайлаудың ұйымдастырушы кілті бар: тізім қорытындысына өз компьютеріңізде қол "
        "қою керек. Оны жүктеп алып, сандарды өз тізіміңізбен салыстырыңыз, төмендегі "
        "пәрменмен қол қойып, қолтаңба файлын жүктеңіз.",
        "This election has an organiser's key: the roll summary must be signed on your own "
        "computer. Download it, check its numbers against your roll, sign it with the "
        "command below and upload the signature file.",
    ),
    "organiser.roll_signature.download": (
        "Скачать сводку списка",
        "Тізім қорытындысын жүктеп алу",
        "Download the roll summary",
    ),
    "organiser.roll_signature.file": (
        "Файл подписи (signature.json)",
        "Қолтаңба файлы (signature.json)",
        "Signature file (signature.json)",
    ),
    "organiser.confirm.open": (
        "Сводка списка будет опубликована на доске, и начнётся голосование.",
        "Тізім қорытындысы тақтада жарияланып, дауыс беру басталады.",
        "The roll summary will be posted on the board and voting will begin.",
    ),
    "organiser.confirm.close": (
        "Голосование закончится: больше ни один бюллетень не будет принят.",
        "Дауыс беру аяқталады: бұдан былай бірде-бір бюллетень қабылданбайды.",
        "Voting will end: no further ballot will be accepted.",
    ),
    "organiser.confirm.final": (
        "Это действие нельзя отменить; оно записывается на публичной доске.",
        "Бұл әрекетті болдырмау мүмкін емес; ол жария тақтаға жазылады.",
        "This cannot be undone; it is recorded on the public board.",
    ),
    "organiser.confirm.yes.open": ("Да, открыть", "Иә, ашу", "Yes, open"),
    "organiser.confirm.yes.close": ("Да, закрыть", "Иә, жабу", "Yes, close"),
    "organiser.confirm.not_now": (
        "На этом этапе это действие недоступно.",
        "Бұл кезеңде бұл әрекет қолжетімсіз.",
        "This action is not possible in the current phase.",
    ),
    "organiser.cancel": ("Отмена", "Болдырмау", "Cancel"),
}
