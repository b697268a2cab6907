"""The observer pages' words: key -> (ru, kk, en).

Placeholders in braces (``{k}``, ``{units}``) are filled in by the templates.
"""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str, str]] = {
    # -- every observer page
    "observer.election": ("Выборы", "Сайлау", "Election"),
    "observer.nav": ("Разделы выборов", "Сайлау бөлімдері", "Election pages"),
    # -- the election's home
    "observer.fingerprint": ("Отпечаток выборов", "Сайлаудың саусақ ізі", "Election fingerprint"),
    "observer.fingerprint_help": (
        "Первые 16 знаков базового хеша выборов. Он одинаков у всех, кто видит эти выборы: "
        "сверьте его с тем, что показывает ваше устройство при голосовании и что публикуют "
        "наблюдатели.",
        "Сайлаудың базалық хешінің алғашқы 16 таңбасы. Бұл сайлауды көретін барлық адамда ол "
        "бірдей: оны дауыс беру кезінде құрылғыңыз көрсететінмен және бақылаушылар "
        "жариялайтынмен салыстырыңыз.",
        "The first 16 hex digits of the election's base hash. It is the same for everyone who "
        "sees this election: compare it with what your device shows when you vote and with "
        "what observers publish.",
    ),
    "observer.check": ("Проверить выборы", "Сайлауды тексеру", "Check the election"),
    "observer.vote_help": (
        "Вход по коду из SMS или письма; голос шифруется на вашем устройстве.",
        "SMS немесе хаттағы кодпен кіру; дауыс сіздің құрылғыңызда шифрланады.",
        "Sign in with the code sent by SMS or e-mail; your vote is encrypted on your device.",
    ),
    "observer.board_help": (
        "Найдите свой бюллетень по коду отслеживания.",
        "Бюллетеніңізді бақылау коды бойынша табыңыз.",
        "Find your ballot by its tracking code.",
    ),
    "observer.turnout_help": (
        "Обновляется каждые несколько секунд.",
        "Әр бірнеше секунд сайын жаңартылады.",
        "Updated every few seconds.",
    ),
    "observer.results_help": (
        "Появляются только после закрытия голосования и расшифровки хранителями ключа.",
        "Дауыс беру жабылып, кілт сақтаушылар шифрын ашқаннан кейін ғана пайда болады.",
        "They exist only after the polls close and the trustees decrypt them.",
    ),
    "observer.record_help": (
        "Все события доски с подписями; проверьте командой honestballot verify ФАЙЛ.",
        "Тақтаның барлық оқиғалары қолтаңбаларымен; honestballot verify ФАЙЛ командасымен "
        "тексеріңіз.",
        "Every board event with its signatures; check it with honestballot verify FILE.",
    ),
    "observer.tree_heads_help": (
        "Убедитесь, что из журнала ничего не удалено и не переписано.",
        "Журналдан ештеңе өшірілмегенін және қайта жазылмағанын тексеріңіз.",
        "Check that nothing was removed from the log or rewritten.",
    ),
    "observer.report_help": ("Анонимно, без входа.", "Жасырын, кірусіз.", "Anonymous, no sign-in."),
    "observer.reports_help": (
        "Публикуются после удаления персональных данных.",
        "Жеке деректер алынып тасталғаннан кейін жарияланады.",
        "Published after personal data is removed.",
    ),
    # -- the board
    "observer.board_intro": (
        "Каждый принятый или проверенный бюллетень попадает на эту открытую доску в момент "
        "приёма. Доска показывает, учитывается ли бюллетень, но никогда — кто его подал.",
        "Қабылданған немесе тексерілген әрбір бюллетень қабылданған сәтте осы ашық тақтаға "
        "түседі. Тақта бюллетеннің есепке алынатынын көрсетеді, бірақ оны кім жібергенін "
        "ешқашан көрсетпейді.",
        "Every ballot accepted or audited is on this public board from the moment it is "
        "accepted. The board shows whether a ballot counts, never who cast it.",
    ),
    "observer.search_label": (
        "Код отслеживания (ABCD-EFGH-IJKL-MNOP) или начало хеша "
        "(не меньше 8 шестнадцатеричных знаков)",
        "Бақылау коды (ABCD-EFGH-IJKL-MNOP) немесе хештің басы (кемінде 8 он алтылық таңба)",
        "Tracking code (ABCD-EFGH-IJKL-MNOP) or the beginning of a tracking hash "
        "(at least 8 hex digits)",
    ),
    "observer.search": ("Найти", "Іздеу", "Find"),
    "observer.board_all": (
        "Все бюллетени по порядку",
        "Барлық бюллетень ретімен",
        "Every ballot, in order",
    ),
    "observer.board_empty": (
        "На доске пока нет бюллетеней.",
        "Тақтада әзірге бюллетень жоқ.",
        "There are no ballots on the board yet.",
    ),
    "observer.pages": ("Страницы доски", "Тақта беттері", "Board pages"),
    "observer.first_page": ("← К началу", "← Басына", "← First page"),
    "observer.next_page": ("Следующие →", "Келесілері →", "Next →"),
    "observer.bad_query": (
        "Не удалось понять запрос:",
        "Сұрауды түсіну мүмкін болмады:",
        "The search was not understood:",
    ),
    "observer.board_intro_protected": (
        "Каждый поданный бюллетень и каждая регистрация ключа попадают на эту открытую доску "
        "пакетами по расписанию выборов, вместе с маскирующими строками и регистрациями, "
        "которые добавляет сервис; проверенные бюллетени — при закрытии голосования. Доска "
        "никогда не показывает, кто подал бюллетень и учитывается ли он.",
        "Әрбір берілген бюллетень мен кілттің әрбір тіркелуі осы ашық тақтаға сайлау кестесі "
        "бойынша топтамалармен, сервис қосатын бүркеме жолдармен және тіркеулермен бірге "
        "түседі; тексерілген бюллетеньдер — дауыс беру жабылғанда. Тақта бюллетенді кім "
        "бергенін де, оның есепке алынатынын да ешқашан көрсетпейді.",
        "Every ballot cast and every credential registration reaches this public board in "
        "batches on the election's schedule, together with cover rows and cover registrations "
        "the service adds; audited ballots go on it when voting closes. The board never shows "
        "who cast a ballot, nor whether it counts.",
    ),
    "observer.no_match_protected": (
        "На доске пока нет бюллетеня или регистрации ключа с таким кодом: они попадают на "
        "доску пакетами (обычно в ближайшем пакете); проверенные бюллетени — при закрытии "
        "голосования.",
        "Тақтада әзірге мұндай коды бар бюллетень де, кілт тіркеуі де жоқ: олар тақтаға "
        "топтамалармен түседі (әдетте келесі топтамада); тексерілген бюллетеньдер — дауыс "
        "беру жабылғанда.",
        "No ballot or credential registration with this code is on the board yet: they go "
        "on it in batches (usually the next one); audited ballots when voting closes.",
    ),
    "observer.board_hint_protected": (
        "Бюллетень или регистрация ключа появляется на доске пакетом, обычно ближайшим после "
        "подачи (когда ожидается следующий, сказано на странице явки); проверенный "
        "бюллетень — при закрытии голосования. Учитывается последний бюллетень избирателя; "
        "доска не показывает, какой из них последний.",
        "Бюллетень немесе кілт тіркеуі тақтада топтамамен, әдетте жіберілгеннен кейінгі ең "
        "жақын топтамада пайда болады (келесісі қашан күтілетіні келу бетінде айтылған); "
        "тексерілген бюллетень — дауыс беру жабылғанда. Сайлаушының соңғы бюллетені есепке "
        "алынады; тақта олардың қайсысы соңғы екенін көрсетпейді.",
        "A ballot or a credential registration appears on the board in a batch, usually the "
        "first one after it is sent (the turnout page says when the next one is due); an "
        "audited ballot when voting closes. Each voter's last ballot counts; the board does "
        "not show which one that is.",
    ),
    "observer.no_match": (
        "На доске нет бюллетеня с таким кодом.",
        "Тақтада мұндай коды бар бюллетень жоқ.",
        "No ballot with this code is on the board.",
    ),
    "observer.col_seq": ("№", "№", "No."),
    "observer.col_code": ("Код отслеживания", "Бақылау коды", "Tracking code"),
    "observer.col_time": ("Время (UTC)", "Уақыт (UTC)", "Time (UTC)"),
    "observer.col_status": ("Статус", "Мәртебесі", "Status"),
    "observer.status.counts": ("учитывается", "есепке алынады", "counts"),
    "observer.status.superseded": (
        "заменён более поздним бюллетенем того же избирателя и не учитывается",
        "сол сайлаушының кейінгі бюллетенімен ауыстырылды, есепке алынбайды",
        "replaced by a later ballot of the same voter; does not count",
    ),
    "observer.status.revoked": (
        "не учитывается: ключ избирателя заменён новым",
        "есепке алынбайды: сайлаушының кілті жаңасына ауыстырылды",
        "does not count: the voter's credential was replaced by a new one",
    ),
    "observer.status.audited": (
        "проверен: вскрыт для проверки шифрования и никогда не учитывается",
        "тексерілді: шифрлауды тексеру үшін ашылды, ешқашан есепке алынбайды",
        "audited: opened to check the encryption; never counts",
    ),
    "observer.status.included": (
        "на доске. Учитывается ли он, не показано нигде: последний бюллетень избирателя "
        "выбирается при подсчёте, проверяемо и без раскрытия того, голосовал ли кто-то снова",
        "тақтада. Оның есепке алынатыны ешқайда көрсетілмейді: сайлаушының соңғы бюллетені "
        "санау кезінде тексерілетіндей, біреудің қайта дауыс бергенін ашпай таңдалады",
        "on the board. Whether it counts is shown nowhere: each voter's last ballot is "
        "chosen at the count, verifiably, without revealing whether anyone voted again",
    ),
    "observer.status.registration": (
        "регистрация ключа, на доске. Является ли этот ключ текущим ключом избирателя, не "
        "показано нигде",
        "кілттің тіркелуі, тақтада. Бұл кілттің сайлаушының қазіргі кілті екені ешқайда "
        "көрсетілмейді",
        "a credential registration, on the board. Whether it is the voter's current "
        "credential is shown nowhere",
    ),
    "observer.status.held": (
        "проверен: вскрыт для проверки шифрования и никогда не учитывается; появится на "
        "доске при закрытии голосования, без ключа избирателя",
        "тексерілді: шифрлауды тексеру үшін ашылды, ешқашан есепке алынбайды; дауыс беру "
        "жабылғанда тақтаға сайлаушының кілтінсіз шығады",
        "audited: opened to check the encryption; never counts; goes on the board when "
        "voting closes, without the voter's credential",
    ),
    "observer.replaced_by": ("заменён бюллетенем", "ауыстырған бюллетень", "replaced by"),
    "observer.board_hint": (
        "Если вашего последнего бюллетеня нет на доске или он не учитывается, проголосуйте "
        "снова: учитывается только последний бюллетень.",
        "Соңғы бюллетеніңіз тақтада жоқ болса немесе есепке алынбаса, қайта дауыс беріңіз: "
        "тек соңғы бюллетень есепке алынады.",
        "If your last ballot is not on the board or does not count, vote again: only your "
        "last ballot counts.",
    ),
    # -- turnout
    "observer.turnout_intro": (
        "Данные обновляются каждые несколько секунд из статического снимка. Здесь только "
        "явка: результатов не существует, пока хранители ключа не расшифруют итог после "
        "закрытия голосования.",
        "Деректер статикалық суреттен әр бірнеше секунд сайын жаңартылады. Мұнда тек келу "
        "көрсетілген: дауыс беру жабылып, кілт сақтаушылар қорытындының шифрын ашпайынша "
        "нәтиже болмайды.",
        "Updated every few seconds from a static snapshot. Turnout only: results do not exist "
        "until the trustees decrypt the sum after the polls close.",
    ),
    # -- turnout with re-voting protection (docs/coercion.md §4)
    "observer.turnout.protected": (
        "Явка по участкам публикуется вместе с результатом, после закрытия голосования. "
        "До тех пор её не публикуют: переголосования и маскирующие бюллетени, которые "
        "сервис добавляет в пакеты, должны оставаться невидимыми, а число голосов по "
        "участку, опубликованное во время голосования, показало бы, кто проголосовал заново.",
        "Учаскелер бойынша келу дауыс беру жабылғаннан кейін нәтижемен бірге жарияланады. "
        "Оған дейін ол жарияланбайды: қайта дауыс берулер мен сервис топтамаларға қосатын "
        "бүркеме бюллетеньдер көрінбеуі керек, ал дауыс беру кезінде жарияланған учаске "
        "бойынша дауыстар саны кімнің қайта дауыс бергенін көрсетер еді.",
        "Turnout per unit is published with the result, after the polls close. Until then "
        "it is not published: votes cast again and the cover ballots the service adds to "
        "the batches must stay invisible, and a count per unit published during the vote "
        "would show who voted again.",
    ),
    "observer.turnout.protected_closed": (
        "Явка по участкам публикуется вместе с результатом. До тех пор её не публикуют: "
        "переголосования и маскирующие бюллетени должны оставаться невидимыми, а число "
        "голосов по участку до результата показало бы, кто проголосовал заново.",
        "Учаскелер бойынша келу нәтижемен бірге жарияланады. Оған дейін ол жарияланбайды: "
        "қайта дауыс берулер мен бүркеме бюллетеньдер көрінбеуі керек, ал нәтижеге дейін "
        "учаске бойынша дауыстар саны кімнің қайта дауыс бергенін көрсетер еді.",
        "Turnout per unit is published with the result. Until then it is not published: "
        "votes cast again and the cover ballots must stay invisible, and a count per unit "
        "before the result would show who voted again.",
    ),
    "observer.batches.title": (
        "Пакеты на общей доске",
        "Ортақ тақтадағы топтамалар",
        "Batches on the board",
    ),
    "observer.batches.posted": (
        "Опубликовано пакетов: {posted} из {scheduled} по расписанию",
        "Жарияланған топтамалар: кестедегі {scheduled} топтаманың {posted}",
        "Batches posted: {posted} of {scheduled} scheduled",
    ),
    "observer.batches.posted_only": (
        "Опубликовано пакетов: {posted}",
        "Жарияланған топтамалар: {posted}",
        "Batches posted: {posted}",
    ),
    "observer.batches.closed": (
        "Голосование закрыто; последний пакет добавило закрытие.",
        "Дауыс беру жабылды; соңғы топтаманы жабу қосты.",
        "The vote is closed; the close added the last batch.",
    ),
    "observer.batches.next": (
        "следующий: {time} (UTC)",
        "келесісі: {time} (UTC)",
        "next at {time} (UTC)",
    ),
    "observer.batches.late": (
        "следующий ожидался в {time} (UTC) и запаздывает",
        "келесісі {time} (UTC) күтілген еді, кешігуде",
        "the next was due at {time} (UTC) and is late",
    ),
    "observer.batches.why": (
        "Голоса и регистрации появляются на доске пакетами по расписанию, каждый — того "
        "размера, который расписание задаёт для своего часа. Число пакетов открыто всем; "
        "сколько в них настоящих голосов, не видно.",
        "Дауыстар мен тіркеулер тақтада кесте бойынша топтамалармен пайда болады, әрқайсысы "
        "кесте өз сағатына белгілейтін көлемде. Топтамалар саны бәріне ашық; олардағы шын "
        "дауыстар саны көрінбейді.",
        "Votes and registrations reach the board in batches on the schedule, of the sizes "
        "the schedule sets for each hour. The number of batches is public; how many real "
        "votes they hold is not.",
    ),
    "observer.turnout.counted_intro": (
        "Из результата закрытия: бюллетени, учтённые в каждом отчётном участке (малые "
        "участки — вместе).",
        "Жабу нәтижесінен: әр есептік учаскеде есепке алынған бюллетеньдер (шағын учаскелер "
        "— бірге).",
        "From the close's result: the ballots counted in each reporting unit (small units "
        "together).",
    ),
    "observer.col_unit": ("Участок", "Учаске", "Unit"),
    "observer.col_roll": ("В списке", "Тізімде", "On the roll"),
    "observer.col_credentials": ("Ключей", "Кілттер", "Credentials"),
    "observer.col_voted": ("Проголосовали", "Дауыс бергендер", "Voted"),
    "observer.col_turnout": ("Явка, %", "Келу, %", "Turnout, %"),
    "observer.total": ("Всего", "Барлығы", "Total"),
    "observer.updated": ("Обновлено", "Жаңартылды", "Updated"),
    "observer.loading": ("Загрузка…", "Жүктелуде…", "Loading…"),
    "observer.stale": (
        "Не удалось обновить данные; показан последний полученный снимок.",
        "Деректерді жаңарту мүмкін болмады; соңғы алынған сурет көрсетілген.",
        "Could not update; showing the last snapshot received.",
    ),
    "observer.snapshot_file": ("Файл снимка (JSON)", "Сурет файлы (JSON)", "Snapshot file (JSON)"),
    "observer.noscript": (
        "Без JavaScript таблица не обновляется; откройте файл снимка.",
        "JavaScript болмаса кесте жаңартылмайды; сурет файлын ашыңыз.",
        "Without JavaScript the table does not update; open the snapshot file.",
    ),
    "observer.voted_note": (
        "«Ключей» — избиратели, зарегистрировавшие ключ на своём устройстве. Проголосовавший "
        "повторно считается один раз.",
        "«Кілттер» — өз құрылғысында кілт тіркеген сайлаушылар. Қайта дауыс берген адам бір "
        "рет саналады.",
        "“Credentials”: voters who registered a credential on their device. A voter who "
        "votes again is counted once.",
    ),
    # -- results and trustees
    "observer.trustees": ("Хранители ключа", "Кілт сақтаушылар", "Trustees"),
    "observer.col_trustee": ("Хранитель", "Сақтаушы", "Trustee"),
    "observer.ballots_counted": (
        "Учтено бюллетеней",
        "Есепке алынған бюллетеньдер",
        "Ballots counted",
    ),
    "observer.col_option": ("Вариант", "Нұсқа", "Option"),
    "observer.col_votes": ("Голосов", "Дауыс", "Votes"),
    "observer.per_unit": ("Итоги по участкам", "Учаскелер бойынша қорытынды", "Results by unit"),
    "observer.small_units": (
        "Участки, где учтено меньше {min} бюллетеней, отдельно не показываются, чтобы нельзя "
        "было вычислить чей-то выбор; если их вместе можно было бы получить вычитанием из "
        "общего итога, не показывается и наименьший из остальных участков. Их бюллетени "
        "входят только в общий итог: {units}.",
        "{min}-ден аз бюллетень есепке алынған учаскелер біреудің таңдауын анықтауға болмас "
        "үшін бөлек көрсетілмейді; егер оларды бірге жалпы қорытындыдан шегеру арқылы табуға "
        "болатын болса, қалған учаскелердің ең кішісі де көрсетілмейді. Олардың "
        "бюллетеньдері тек жалпы қорытындыға кіреді: {units}.",
        "Units with fewer than {min} counted ballots are not shown separately, so that "
        "nobody's choice can be inferred; when together they could be worked out from the "
        "totals by subtraction, the smallest of the other units is not shown either. Their "
        "ballots are included only in the totals: {units}.",
    ),
    "observer.mixed_contests": (
        "Эти разделы посчитаны только по выборам в целом, без разбивки по участкам: перед "
        "расшифровкой хранители ключа перемешали их бюллетени, чтобы ни один нельзя было "
        "связать с избирателем или участком: {contests}.",
        "Бұл бөлімдер учаскелер бойынша емес, тек бүкіл сайлау бойынша есептелді: шифр "
        "ашылар алдында кілт сақтаушылар олардың бюллетеньдерін араластырды, сондықтан "
        "ешбірін сайлаушымен немесе учаскемен байланыстыруға болмайды: {contests}.",
        "These contests are counted for the whole election only, not by unit: before "
        "decryption the trustees shuffled their ballots so that none can be linked to its "
        "voter or its unit: {contests}.",
    ),
    # a ranked contest's count (docs/ranked.md): IRV rounds, or Schulze's matrices
    "observer.ranked.method.irv": (
        "Мгновенный второй тур (IRV)",
        "Лездік екінші тур (IRV)",
        "Instant-runoff (IRV)",
    ),
    "observer.ranked.method.schulze": ("Метод Шульце", "Шульце әдісі", "Schulze method"),
    "observer.ranked.rankings": (
        "Учтено порядков предпочтения",
        "Есепке алынған қалау реттері",
        "Rankings counted",
    ),
    "observer.ranked.round": ("Тур {n}", "{n}-тур", "Round {n}"),
    "observer.ranked.exhausted": (
        "Исчерпаны (никого из оставшихся)",
        "Таусылды (қалғандардың ешқайсысы жоқ)",
        "Exhausted (nobody left in the count)",
    ),
    "observer.ranked.eliminated": (
        "Выбывает: {name} — {why}.",
        "Шығады: {name} — {why}.",
        "Eliminated: {name} ({why}).",
    ),
    "observer.ranked.why.fewest": ("меньше всех голосов", "ең аз дауыс", "fewest votes"),
    "observer.ranked.why.previous-rounds": (
        "при равенстве — меньше голосов в предыдущих турах",
        "тең болғанда — алдыңғы турларда дауысы аз",
        "tied, and fewer votes in the earlier rounds",
    ),
    "observer.ranked.why.lot": (
        "при равенстве — по жребию",
        "тең болғанда — жеребе бойынша",
        "tied, decided by lot",
    ),
    "observer.ranked.winner": ("Победитель: {name}", "Жеңімпаз: {name}", "Winner: {name}"),
    "observer.ranked.no_winner": (
        "Ни один порядок не называет кандидата: победителя нет.",
        "Бірде-бір рет кандидатты атамайды: жеңімпаз жоқ.",
        "No ranking names a candidate: there is no winner.",
    ),
    "observer.ranked.pairwise": (
        "Попарные предпочтения: сколько порядков ставят кандидата строки выше кандидата столбца.",
        "Жұптық қалаулар: қанша рет жолдағы кандидатты бағандағы кандидаттан жоғары қояды.",
        "Pairwise preferences: how many rankings put the row's candidate above the column's.",
    ),
    "observer.ranked.paths": (
        "Сильнейшие пути: кандидат строки побеждает кандидата столбца, если его путь "
        "сильнее (выделено).",
        "Ең күшті жолдар: жолдағы кандидат бағандағы кандидатты жеңеді, егер оның жолы "
        "күштірек болса (белгіленген).",
        "Strongest paths: the row's candidate beats the column's when its path is the "
        "stronger (marked).",
    ),
    "observer.ranked.order": (
        "Итоговый порядок по методу Шульце",
        "Шульце әдісі бойынша қорытынды рет",
        "The Schulze order",
    ),
    "observer.ranked.tie_breaking": (
        "Равенства решены порядком, составленным по жребию: {order}.",
        "Теңдіктер жеребе бойынша құрылған ретпен шешілді: {order}.",
        "Ties were decided by the order drawn by lot: {order}.",
    ),
    "observer.counted_per_unit": (
        "Учтено бюллетеней по участкам",
        "Учаскелер бойынша есепке алынған бюллетеньдер",
        "Ballots counted per unit",
    ),
    "observer.results_verify": (
        "Проверьте эти числа сами: скачайте протокол выборов и выполните honestballot verify "
        "ФАЙЛ — программа заново посчитает итог из зашифрованных бюллетеней и доказательств.",
        "Бұл сандарды өзіңіз тексеріңіз: сайлау хаттамасын жүктеп алып, honestballot verify "
        "ФАЙЛ орындаңыз — бағдарлама қорытындыны шифрланған бюллетеньдер мен дәлелдерден "
        "қайта есептейді.",
        "Check these numbers yourself: download the election record and run honestballot "
        "verify FILE; it recomputes the result from the encrypted ballots and the proofs.",
    ),
    # an election with re-voting protection: counted by its close, per reporting unit
    "observer.pool": (
        "Остальные участки вместе: {units}",
        "Қалған учаскелер бірге: {units}",
        "Other units together: {units}",
    ),
    "observer.close.no_results": (
        "Итогов пока нет. В этих выборах есть защита повторного голосования: после закрытия "
        "голосования бюллетени считают хранители ключа, этап за этапом (в каждом этапе "
        "участвуют не меньше {k} из {n} хранителей ключа), а итог публикуется, когда "
        "закрытие завершено. Расшифровать отдельный бюллетень не может никто.",
        "Қорытынды әлі жоқ. Бұл сайлауда қайта дауыс беруді қорғау бар: дауыс беру "
        "жабылғаннан кейін бюллетеньдерді кілт сақтаушылар кезең-кезеңімен санайды (әр "
        "кезеңге {n} кілт сақтаушының кемінде {k}-і қатысады), ал қорытынды жабу "
        "аяқталғанда жарияланады. Жеке бюллетеннің шифрын ешкім аша алмайды.",
        "There are no results yet. This election has re-voting protection: after the polls "
        "close, the trustees count its ballots in the close, round by round (at least {k} of "
        "the {n} trustees act in each round), and the result is published when the close is "
        "done. Nobody can decrypt a single ballot.",
    ),
    "observer.close.round": (
        "Закрытие идёт: сейчас этап {round}.",
        "Жабу жүріп жатыр: қазір {round} кезеңі.",
        "The close is under way: round {round} now.",
    ),
    "observer.close.no_result": (
        "Закрытие завершено, но расшифровка не дала результата. Так бывает, только если на "
        "доске есть бюллетень, доказательства которого не сходятся: команда honestballot "
        "verify, запущенная на протоколе выборов, назовёт непройденную проверку.",
        "Жабу аяқталды, бірақ шифрды ашу нәтиже бермеді. Бұл тек тақтада дәлелдері "
        "тексерілмейтін бюллетень болғанда болады: сайлау хаттамасында іске қосылған "
        "honestballot verify командасы өтпеген тексерудің атын айтады.",
        "The close is over, but its decryption gave no result. That happens only when a "
        "ballot on the board has proofs that do not check: honestballot verify, run on the "
        "election record, names the check that fails.",
    ),
    "observer.close.totals": (
        "Закрытие в цифрах (только по выборам в целом)",
        "Жабу сандармен (тек бүкіл сайлау бойынша)",
        "The close in numbers (whole election only)",
    ),
    "observer.close.why": (
        "По участкам публикуется только число учтённых бюллетеней. Избиратель может наедине "
        "проголосовать повторно или заменить ключ голосования, и учитывается только его "
        "последний бюллетень; число поданных бюллетеней или заменённых ключей по участкам "
        "показало бы, где кто-то это сделал. Поэтому эти числа даются только по выборам в "
        "целом. Регистрации и замены ключей включают маскирующие, которые сервис делает сам и "
        "которые нельзя отличить от настоящих.",
        "Учаскелер бойынша тек есепке алынған бюллетеньдер саны жарияланады. Сайлаушы оңаша "
        "қайта дауыс бере алады немесе дауыс беру кілтін ауыстыра алады, және оның тек соңғы "
        "бюллетені есептеледі; учаскелер бойынша берілген бюллетеньдер немесе ауыстырылған "
        "кілттер саны біреудің мұны қай жерде істегенін көрсетер еді. Сондықтан бұл сандар "
        "тек бүкіл сайлау бойынша беріледі. Кілттерді тіркеу мен ауыстыруға сервистің өзі "
        "жасайтын, нақтыларынан айыруға болмайтын бүркеме тіркеулер де кіреді.",
        "Per unit, only the ballots counted are published. A voter may vote again or replace "
        "a credential in private, and only the last ballot counts; ballots cast or credentials "
        "replaced per unit would show where someone did so. So these numbers are given for the "
        "whole election only. Credentials registered and replaced include the cover ones the "
        "service makes itself, which look like any other by design.",
    ),
    "observer.cover": (
        "Маскирующие замены ключей по настройке выборов: сервис делает K0 = {k0} замен плюс "
        "случайный шум с параметром ε = {epsilon}.",
        "Сайлау баптауы бойынша бүркеме кілт ауыстырулары: сервис K0 = {k0} ауыстыру және "
        "ε = {epsilon} параметрлі кездейсоқ шу жасайды.",
        "Cover credential replacements, as the election's setup fixes them: the service makes "
        "K0 = {k0} of them plus random noise with parameter ε = {epsilon}.",
    ),
    "observer.cover.hides": (
        "Это значит: любая одна замена ключа делает опубликованные итоговые числа не более "
        "чем в e^ε ≈ {ratio} раза более или менее вероятными, если сервис честно выбирает "
        "шум и держит его в секрете.",
        "Бұл дегеніміз: кез келген бір кілт ауыстыру жарияланған қорытынды сандарды e^ε ≈ "
        "{ratio} еседен артық ықтималырақ не ықтималдығы азырақ етпейді, егер сервис шуды "
        "адал таңдап, оны құпия сақтаса.",
        "This means: any one credential replacement makes the published counts at most "
        "e^ε ≈ {ratio} times more or less likely, as long as the service draws the noise "
        "honestly and keeps it secret.",
    ),
    "observer.cover.exposed": (
        "Внимание: ε больше 1, и шум почти ничего не скрывает: опубликованные итоговые числа "
        "показывают, сколько избирателей заменили ключ.",
        "Назар аударыңыз: ε 1-ден үлкен, шу ештеңені дерлік жасырмайды: жарияланған "
        "қорытынды сандар қанша сайлаушы кілтін ауыстырғанын көрсетеді.",
        "Warning: ε is above 1, so the noise hides next to nothing: the published counts show "
        "how many voters replaced their credential.",
    ),
    "observer.close.cast_rows": (
        "Подано бюллетеней (все голоса, включая повторные)",
        "Берілген бюллетеньдер (қайта берілгендерін қоса, барлық дауыс)",
        "Ballots cast (every vote, votes cast again included)",
    ),
    "observer.close.cover_rows": (
        "Маскирующих бюллетеней, добавленных сервисом в пакеты",
        "Сервис топтамаларға қосқан бүркеме бюллетеньдер",
        "Cover ballots the service added to the batches",
    ),
    "observer.close.padding_rows": (
        "Строк дополнения, добавленных при закрытии",
        "Жабу кезінде қосылған толықтыру жолдары",
        "Padding rows added at the close",
    ),
    "observer.close.registrations": (
        "Зарегистрировано ключей голосования",
        "Тіркелген дауыс беру кілттері",
        "Credentials registered",
    ),
    "observer.close.selected": (
        "Ключей, чей последний бюллетень отобран",
        "Соңғы бюллетені алынған кілттер",
        "Credentials whose last ballot was taken",
    ),
    "observer.close.revoked": (
        "Из них заменённых ключей (их бюллетени не учитываются)",
        "Олардың ішінде ауыстырылған кілттер (бюллетеньдері есептелмейді)",
        "Of these, credentials replaced (their ballots are not counted)",
    ),
    "observer.close.survivors": (
        "Осталось ключей",
        "Қалған кілттер",
        "Credentials left",
    ),
    "observer.close.counted": (
        "Учтено бюллетеней (ключи, совпавшие с избирателем из зашифрованного списка)",
        "Есепке алынған бюллетеньдер (шифрланған тізімдегі сайлаушыға сәйкес келген кілттер)",
        "Ballots counted (credentials that match a voter on the encrypted roll)",
    ),
    # with paper stations (docs/paper.md): combined counts, and the paper numbers
    "observer.paper.col_total": ("Всего", "Барлығы", "Total"),
    "observer.paper.col_online": ("Онлайн", "Электронды", "Online"),
    "observer.paper.col_paper": ("Бумага", "Қағаз", "Paper"),
    "observer.paper.ballots_total": (
        "Учтено бюллетеней всего (онлайн и бумажных)",
        "Барлығы есепке алынған бюллетеньдер (онлайн және қағаз)",
        "Ballots counted in all (online and paper)",
    ),
    "observer.paper.ballots_online": (
        "Онлайн-бюллетеней учтено",
        "Есепке алынған онлайн бюллетеньдер",
        "Online ballots counted",
    ),
    "observer.paper.ballots_paper": (
        "Бумажных бюллетеней в ящиках",
        "Жәшіктердегі қағаз бюллетеньдер",
        "Paper ballots in the boxes",
    ),
    "observer.paper.combined": (
        "Итог складывается из голосов онлайн и бумажных бюллетеней участков. Бумажный "
        "бюллетень отменяет онлайн-голоса того же избирателя, поэтому никто не учтён дважды.",
        "Қорытынды онлайн дауыстар мен учаскелердің қағаз бюллетеньдерінен құралады. Қағаз "
        "бюллетень сол сайлаушының онлайн дауыстарын жояды, сондықтан ешкім екі рет "
        "есептелмейді.",
        "The counts add the online votes and the polling stations' paper ballots. A paper "
        "ballot cancels the same voter's online votes, so nobody is counted twice.",
    ),
    "observer.paper.title": (
        "Бумажные бюллетени",
        "Қағаз бюллетеньдер",
        "Paper ballots",
    ),
    "observer.paper.col_in_box": ("В ящиках", "Жәшіктерде", "In the boxes"),
    "observer.paper.col_listed": ("В списках", "Тізімдерде", "Listed"),
    "observer.paper.col_cancelled": (
        "Отменено записей",
        "Жойылған жазбалар",
        "Roll entries cancelled",
    ),
    "observer.paper.units": (
        "По участкам: бумажные бюллетени в ящиках, избиратели, которых комиссии внесли в "
        "списки получивших бюллетень, и записи зашифрованного списка избирателей, отменённые "
        "по этим спискам (онлайн-голоса по ним не учитываются).",
        "Учаскелер бойынша: жәшіктердегі қағаз бюллетеньдер, комиссиялар бюллетень алғандар "
        "тізіміне енгізген сайлаушылар және осы тізімдер бойынша жойылған шифрланған "
        "сайлаушылар тізімінің жазбалары (олар бойынша онлайн дауыстар есептелмейді).",
        "Per unit: the paper ballots in the boxes, the voters the commissions listed as "
        "issued a ballot, and the entries of the encrypted roll their lists cancelled (no "
        "online vote counts for them).",
    ),
    "observer.paper.cancelled_e_votes": (
        "Онлайн-голосов, отменённых бумажными бюллетенями (по выборам в целом)",
        "Қағаз бюллетеньдер жойған онлайн дауыстар (бүкіл сайлау бойынша)",
        "Online votes cancelled by paper ballots (whole election)",
    ),
    "observer.paper.cancelled_why": (
        "Это число даётся только по выборам в целом: по участку оно показало бы тому, кто "
        "заставил избирателя голосовать онлайн у себя на глазах, пошёл ли тот потом "
        "голосовать на бумаге.",
        "Бұл сан тек бүкіл сайлау бойынша беріледі: учаске бойынша ол сайлаушыны өз көзінше "
        "онлайн дауыс беруге мәжбүрлеген адамға сайлаушының кейін қағазбен дауыс беруге "
        "барғанын көрсетер еді.",
        "This number is given for the whole election only: per unit it would show someone "
        "who made a voter vote online under their eyes whether that voter then went to vote "
        "on paper.",
    ),
    "observer.paper.stations": (
        "Участки с бумажными бюллетенями",
        "Қағаз бюллетеньдері бар учаскелер",
        "Polling stations with paper ballots",
    ),
    "observer.paper.protocol": ("протокол", "хаттама", "protocol"),
    "observer.paper.station_numbers": (
        "в ящике: {in_box}, в списке: {voters}, отменено записей: {cancelled}",
        "жәшікте: {in_box}, тізімде: {voters}, жойылған жазбалар: {cancelled}",
        "in the box: {in_box}, listed: {voters}, roll entries cancelled: {cancelled}",
    ),
    "observer.paper.online_per_unit": (
        "Учтено онлайн-бюллетеней по участкам",
        "Учаскелер бойынша есепке алынған онлайн бюллетеньдер",
        "Online ballots counted per unit",
    ),
    "observer.paper.no_protocol": (
        "бумажных итогов нет: его бюллетени не учтены, онлайн-голоса его избирателей не отменены",
        "қағаз қорытындылары жоқ: оның бюллетеньдері есептелмеді, сайлаушыларының онлайн "
        "дауыстары жойылмады",
        "no paper results: its paper ballots are not counted and its voters' online votes stand",
    ),
    "observer.paper.failures": (
        "при закрытии список этой комиссии не сошёлся с зашифрованным списком избирателей "
        "(ошибок: {n}; проверка close.paper)",
        "жабу кезінде бұл комиссияның тізімі шифрланған сайлаушылар тізімімен сәйкес келмеді "
        "(қателер: {n}; close.paper тексеруі)",
        "at the close this commission's list did not match the encrypted roll ({n} "
        "failures; check close.paper)",
    ),
    # -- tree heads
    "observer.tree_heads_intro": (
        "Доска — журнал, в который можно только добавлять записи. Подписанная вершина дерева "
        "(tree head) фиксирует все его записи. Эта страница запоминает в вашем браузере "
        "последнюю увиденную вершину и при каждом посещении проверяет, что журнал её "
        "продолжает: ничего не удалено и не переписано.",
        "Тақта — тек жазба қосуға болатын журнал. Қол қойылған ағаш төбесі (tree head) оның "
        "барлық жазбаларын бекітеді. Бұл бет браузеріңізде соңғы көрген төбені есте сақтайды "
        "және әр кіргенде журнал оны жалғастыратынын тексереді: ештеңе өшірілмеген, қайта "
        "жазылмаған.",
        "The board is a log that can only grow. A signed tree head commits to all of its "
        "entries. This page remembers in your browser the last head it saw and, on every "
        "visit, checks that the log extends it: nothing was removed or rewritten.",
    ),
    "observer.board_key": ("Ключ доски", "Тақта кілті", "Board key"),
    "observer.witnesses": ("Свидетели", "Куәгерлер", "Witnesses"),
    "observer.witness_quorum": (
        "Вершину журнала должны подписать {quorum} из {count} свидетелей. Показать двум "
        "наблюдателям две разные доски можно только, если солгут не меньше {tolerance} из них.",
        "Журнал төбесіне {count} куәгердің {quorum}-і қол қоюы керек. Екі бақылаушыға екі "
        "түрлі тақта көрсету үшін олардың кемінде {tolerance}-і өтірік айтуы керек.",
        "A tree head must be co-signed by {quorum} of the {count} witnesses. Showing two "
        "observers two different boards needs at least {tolerance} of them to lie.",
    ),
    "observer.no_witnesses": (
        "Настройка выборов не называет свидетелей: за доску ручается только ключ сервера.",
        "Сайлау баптауында куәгерлер аталмаған: тақтаға тек сервер кілті кепіл.",
        "The election's setup names no witnesses: only the server's key vouches for the board.",
    ),
    "observer.witnessed_head": (
        "Последняя вершина, подписанная свидетелями",
        "Куәгерлер қол қойған соңғы төбе",
        "Latest tree head co-signed by the witnesses",
    ),
    "observer.cosigned_by": ("Подписали", "Қол қойғандар", "Co-signed by"),
    "observer.no_witnessed_head": (
        "Свидетели ещё не подписали ни одной вершины.",
        "Куәгерлер әлі бірде-бір төбеге қол қойған жоқ.",
        "The witnesses have not co-signed any tree head yet.",
    ),
    "observer.witnessed_ok": (
        "Подписи свидетелей проверены в этом браузере: кворум есть.",
        "Куәгерлердің қолтаңбалары осы браузерде тексерілді: кворум бар.",
        "The witnesses' co-signatures were checked in this browser: the quorum is there.",
    ),
    "observer.witnessed_bad": (
        "Подписи свидетелей НЕ сходятся:",
        "Куәгерлердің қолтаңбалары СӘЙКЕС КЕЛМЕЙДІ:",
        "The witnesses' co-signatures do NOT check out:",
    ),
    "observer.latest_head": (
        "Последняя подписанная вершина",
        "Соңғы қол қойылған төбе",
        "Latest signed tree head",
    ),
    "observer.saved_head": (
        "Вершина, сохранённая ранее",
        "Бұрын сақталған төбе",
        "Head saved earlier",
    ),
    "observer.head_size": ("Записей", "Жазбалар", "Entries"),
    "observer.head_time": ("Подписана (UTC)", "Қол қойылған (UTC)", "Signed (UTC)"),
    "observer.head_root": ("Корень", "Түбір", "Root"),
    "observer.checking": ("Проверка…", "Тексерілуде…", "Checking…"),
    "observer.consistent": (
        "согласован ✓ — журнал продолжает вершину, сохранённую ранее",
        "келісілген ✓ — журнал бұрын сақталған төбені жалғастырады",
        "consistent ✓ — the log extends the head saved earlier",
    ),
    "observer.first_check": (
        "Подпись верна ✓. Это первая проверка в этом браузере: вершина сохранена, при "
        "следующем посещении журнал будет проверен относительно неё.",
        "Қолтаңба дұрыс ✓. Бұл браузердегі алғашқы тексеру: төбе сақталды, келесі кіргенде "
        "журнал соған қатысты тексеріледі.",
        "Signature valid ✓. This is the first check in this browser: the head is saved, and "
        "the next visit checks the log against it.",
    ),
    "observer.inconsistent": (
        "ЖУРНАЛ НЕ СОГЛАСОВАН с вершиной, которую этот браузер сохранил ранее: записи удалены "
        "или переписаны, либо сервер показывает разным людям разные журналы. Сохраните обе "
        "вершины ниже и сообщите наблюдателям.",
        "ЖУРНАЛ осы браузер бұрын сақтаған төбемен КЕЛІСІЛМЕГЕН: жазбалар өшірілген немесе "
        "қайта жазылған, не сервер әр адамға әр түрлі журнал көрсетеді. Төмендегі екі төбені "
        "де сақтап, бақылаушыларға хабарлаңыз.",
        "THE LOG IS NOT CONSISTENT with the head this browser saved earlier: entries were "
        "removed or rewritten, or the server shows different logs to different people. Save "
        "both heads below and tell the observers.",
    ),
    "observer.unreachable": (
        "Не удалось связаться с сервером для проверки; попробуйте позже.",
        "Тексеру үшін сервермен байланысу мүмкін болмады; кейінірек қайталаңыз.",
        "Could not reach the server to check; try again later.",
    ),
    "observer.no_storage": (
        "Браузер не позволяет сохранить вершину (приватный режим?): проверена только подпись.",
        "Браузер төбені сақтауға рұқсат бермейді (жеке режим?): тек қолтаңба тексерілді.",
        "This browser does not let the page save the head (private mode?): only the "
        "signature was checked.",
    ),
    "observer.check_again": ("Проверить снова", "Қайта тексеру", "Check again"),
    "observer.cli_hint": (
        "То же из командной строки: honestballot log head сохраняет вершину, honestballot log "
        "consistency проверяет по ней скачанный протокол.",
        "Командалық жолдан да солай: honestballot log head төбені сақтайды, honestballot log "
        "consistency жүктелген хаттаманы соған қатысты тексереді.",
        "The same from the command line: honestballot log head saves a head, honestballot log "
        "consistency checks a downloaded record against it.",
    ),
    "observer.needs_js": (
        "Для этой проверки нужен JavaScript.",
        "Бұл тексеру үшін JavaScript қажет.",
        "This check needs JavaScript.",
    ),
    # -- anonymous reports
    "observer.report_intro": (
        "Вас заставляли голосовать, голосовать определённым образом или показать, как вы "
        "проголосовали? Расскажите об этом. Входить не нужно; мы не сохраняем ваш адрес, "
        "устройство и cookie. Организатор читает сообщение, удаляет имена и другие "
        "персональные данные и только после этого публикует его для наблюдателей.",
        "Сізді дауыс беруге, белгілі бір жолмен дауыс беруге немесе қалай дауыс бергеніңізді "
        "көрсетуге мәжбүрледі ме? Бұл туралы айтыңыз. Кірудің қажеті жоқ; біз сіздің "
        "мекенжайыңызды, құрылғыңызды және cookie файлдарын сақтамаймыз. Ұйымдастырушы "
        "хабарламаны оқып, аты-жөндер мен басқа да жеке деректерді алып тастайды, содан кейін "
        "ғана бақылаушылар үшін жариялайды.",
        "Were you pressured to vote, to vote a certain way, or to show how you voted? Tell "
        "us. You do not sign in; we do not keep your address, device or cookies. The "
        "organiser reads the report, removes names and other personal data, and only then "
        "publishes it for observers.",
    ),
    "observer.report_caution": (
        "Не пишите своё имя, если хотите остаться неизвестным: организатор видит текст таким, "
        "каким вы его написали.",
        "Белгісіз қалғыңыз келсе, өз атыңызды жазбаңыз: ұйымдастырушы мәтінді сіз жазғандай "
        "көреді.",
        "Do not write your own name if you want to stay unknown: the organiser sees the text "
        "as you wrote it.",
    ),
    "observer.report_what": (
        "Что произошло (не меньше 10 знаков)",
        "Не болды (кемінде 10 таңба)",
        "What happened (at least 10 characters)",
    ),
    "observer.report_where": (
        "Где: организация, город, участок (необязательно)",
        "Қайда: ұйым, қала, учаске (міндетті емес)",
        "Where: organisation, town, unit (optional)",
    ),
    "observer.report_when": ("Когда (необязательно)", "Қашан (міндетті емес)", "When (optional)"),
    "observer.report_file": (
        "Вложение (необязательно): фото JPEG или PNG, PDF или текст, до 5 МБ. Из фотографий "
        "удаляются координаты и данные камеры.",
        "Тіркеме (міндетті емес): JPEG не PNG фото, PDF немесе мәтін, 5 МБ-қа дейін. "
        "Фотосуреттерден координаттар мен камера деректері алынып тасталады.",
        "Attachment (optional): a JPEG or PNG photo, a PDF or a text file, up to 5 MB. "
        "Location and camera data are removed from photos.",
    ),
    "observer.report_send": ("Отправить анонимно", "Жасырын жіберу", "Send anonymously"),
    "observer.report_error": (
        "Сообщение не отправлено:",
        "Хабарлама жіберілмеді:",
        "The report was not sent:",
    ),
    "observer.report_thanks": (
        "Спасибо. Сообщение получено.",
        "Рақмет. Хабарлама алынды.",
        "Thank you. Your report was received.",
    ),
    "observer.report_number": ("Номер сообщения", "Хабарлама нөмірі", "Report number"),
    "observer.report_next": (
        "После удаления персональных данных организатор опубликует его для наблюдателей. "
        "Сколько сообщений получено, опубликовано и отклонено, видно на странице сообщений.",
        "Жеке деректерді алып тастағаннан кейін ұйымдастырушы оны бақылаушылар үшін "
        "жариялайды. Қанша хабарлама алынғаны, жарияланғаны және қабылданбағаны хабарламалар "
        "бетінде көрінеді.",
        "After removing personal data the organiser publishes it for observers. The reports "
        "page shows how many reports were received, published and turned down.",
    ),
    "observer.reports_intro": (
        "Сообщения о давлении публикуются после того, как организатор удалил из них "
        "персональные данные.",
        "Қысым туралы хабарламалар ұйымдастырушы олардан жеке деректерді алып тастағаннан "
        "кейін жарияланады.",
        "Reports of pressure are published after the organiser has removed personal data "
        "from them.",
    ),
    "observer.reports_counts": (
        "Получено сообщений: ждут рассмотрения — {pending}, опубликовано — {published}, "
        "не опубликовано — {rejected}.",
        "Алынған хабарламалар: қаралуды күтуде — {pending}, жарияланды — {published}, "
        "жарияланбады — {rejected}.",
        "Reports received: awaiting review {pending}, published {published}, "
        "not published {rejected}.",
    ),
    "observer.reports_none": (
        "Опубликованных сообщений пока нет.",
        "Жарияланған хабарламалар әзірге жоқ.",
        "No reports have been published yet.",
    ),
    "observer.report_heading": ("Сообщение №", "Хабарлама №", "Report no."),
    "observer.published_at": ("опубликовано (UTC)", "жарияланды (UTC)", "published (UTC)"),
    "observer.attachment": ("Вложение (скачать)", "Тіркеме (жүктеу)", "Attachment (download)"),
}
