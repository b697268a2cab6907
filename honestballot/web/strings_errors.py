"""What an error says to the person who meets it, in Russian, Kazakh and English.

``error.<code>``: the sentence for each stable error code (docs/api.md), shown when the
error carries no more precise text.  ``msg.<key>``: the texts of the errors that name
what went wrong (:class:`honestballot.errors.Text`); ``{name}`` fields take the
values the error names.  ``{when}`` is filled from a ``seconds`` value by
:func:`honestballot.web.messages.in_time` ("через 15 минут", "15 минуттан кейін").
"""

from __future__ import annotations

#: key -> (ru, kk, en)
STRINGS: dict[str, tuple[str, str, str]] = {
    # -- one sentence per error code -------------------------------------------------------
    "error.bad_request": (
        "Запрос не удалось прочитать. Обновите страницу и повторите.",
        "Сұрауды оқу мүмкін болмады. Бетті жаңартып, қайталаңыз.",
        "The request could not be read. Reload the page and try again.",
    ),
    "error.not_signed_in": (
        "Вы не вошли или сеанс закончился. Войдите снова.",
        "Сіз кірмегенсіз немесе сеанс аяқталған. Қайта кіріңіз.",
        "You are not signed in, or the session has ended. Sign in again.",
    ),
    "error.forbidden": (
        "Это действие вам недоступно.",
        "Бұл әрекет сізге қолжетімсіз.",
        "You may not do this.",
    ),
    "error.method_not_allowed": (
        "Этот адрес не принимает такой запрос.",
        "Бұл мекенжай мұндай сұрауды қабылдамайды.",
        "This address does not take this kind of request.",
    ),
    "error.not_acceptable": (
        "Сервис не может ответить в запрошенном формате.",
        "Қызмет сұралған пішімде жауап бере алмайды.",
        "The service cannot answer in the format asked for.",
    ),
    "error.length_required": (
        "В запросе не указана длина данных.",
        "Сұрауда деректердің ұзындығы көрсетілмеген.",
        "The request does not state the length of its data.",
    ),
    "error.too_large": (
        "Файл или запрос слишком большой. Ничего не сохранено.",
        "Файл немесе сұрау тым үлкен. Ештеңе сақталған жоқ.",
        "The file or request is too large. Nothing was stored.",
    ),
    "error.unsupported_media_type": (
        "Здесь не принимают данные такого типа.",
        "Мұнда мұндай түрдегі деректер қабылданбайды.",
        "This type of data is not accepted here.",
    ),
    "error.http_error": (
        "Запрос не выполнен.",
        "Сұрау орындалмады.",
        "The request failed.",
    ),
    "error.invalid_request": (
        "В запросе не хватает данных или они неверны.",
        "Сұраудағы деректер толық емес немесе қате.",
        "The request lacks data or has wrong data.",
    ),
    "error.roll_rejected": (
        "Список избирателей не загружен: в нём есть ошибки. Ничего не сохранено.",
        "Сайлаушылар тізімі жүктелмеді: онда қателер бар. Ештеңе сақталған жоқ.",
        "The voter roll was not imported: it has errors. Nothing was stored.",
    ),
    "error.malformed_input": (
        "Файл или данные имеют неверный формат. Ничего не сохранено.",
        "Файлдың немесе деректердің пішімі қате. Ештеңе сақталған жоқ.",
        "The file or data are not in the expected format. Nothing was stored.",
    ),
    "error.invalid_ballot": (
        "Бюллетень не прошёл проверку и не принят.",
        "Бюллетень тексеруден өтпеді және қабылданбады.",
        "The ballot failed its checks and was not accepted.",
    ),
    "error.invalid_proof": (
        "Доказательство или подпись не прошли проверку. Ничего не сохранено.",
        "Дәлел немесе қолтаңба тексеруден өтпеді. Ештеңе сақталған жоқ.",
        "A proof or signature failed its check. Nothing was stored.",
    ),
    "error.invalid_share": (
        "Ключ выборов или доля ключа не прошли проверку церемонии ключей. Ничего не "
        "сохранено.",
        "Сайлау кілті немесе кілт үлесі кілттер рәсімінің тексеруінен өтпеді. Ештеңе "
        "сақталған жоқ.",
        "The election key or a key share failed the key ceremony's check. Nothing was "
        "stored.",
    ),
    "error.ballot_rejected": (
        "Бюллетень не принят: на этом этапе голосования его принять нельзя.",
        "Бюллетень қабылданбады: дауыс берудің бұл кезеңінде оны қабылдау мүмкін емес.",
        "The ballot was refused: it cannot be accepted at this point of the election.",
    ),
    "error.not_registered": (
        "Бюллетень не принят: этот ключ голосования не зарегистрирован.",
        "Бюллетень қабылданбады: бұл дауыс беру кілті тіркелмеген.",
        "The ballot was refused: this credential is not registered.",
    ),
    "error.not_allowed_now": (
        "На этом этапе выборов это действие невозможно.",
        "Сайлаудың осы кезеңінде бұл әрекет мүмкін емес.",
        "This cannot be done at the election's present phase.",
    ),
    "error.invalid_input": (
        "Данные не приняты: проверьте их и повторите.",
        "Деректер қабылданбады: тексеріп, қайталаңыз.",
        "The data were not accepted: check them and try again.",
    ),
    "error.sign_in_failed": (
        "Войти не удалось: код неверный или устарел.",
        "Кіру мүмкін болмады: код қате немесе ескірген.",
        "Signing in failed: the code is wrong or out of date.",
    ),
    "error.delivery_failed": (
        "Сообщение не удалось отправить. Повторите позже.",
        "Хабарламаны жіберу мүмкін болмады. Кейінірек қайталаңыз.",
        "The message could not be sent. Try again later.",
    ),
    "error.audit_failed": (
        "Проверку целостности сейчас провести не удалось: это сбой сервера, а не ваших данных.",
        "Тұтастық тексеруін қазір жүргізу мүмкін болмады: бұл деректеріңіздің емес, "
        "сервердің ақауы.",
        "The integrity audit could not run now: a fault of the server, not of your data.",
    ),
    "error.detail": (
        "Подробности для специалиста (на английском)",
        "Маманға арналған толығырақ ақпарат (ағылшынша)",
        "Technical detail",
    ),
    # -- limits ----------------------------------------------------------------------------
    "msg.rate.try_again": (
        "Слишком много попыток подряд. Защита от подбора временно остановила их: повторите {when}.",
        "Қатарынан тым көп әрекет жасалды. Іріктеуден қорғаныс оларды уақытша тоқтатты: "
        "{when} қайталаңыз.",
        "Too many attempts in a row. The guard against guessing has paused them: try again {when}.",
    ),
    "msg.rate.code_requests": (
        "Код запрашивали слишком много раз подряд — для этого номера или с этого "
        "устройства. Чтобы никто не мог засыпать вас сообщениями, новый код можно будет "
        "запросить {when}. Код, который уже пришёл, действует, пока не истечёт.",
        "Код қатарынан тым көп рет сұралды — осы нөмір үшін немесе осы құрылғыдан. Сізге "
        "ешкім хабарламаны үсті-үстіне жібере алмауы үшін жаңа кодты {when} сұрауға "
        "болады. Келіп қойған код мерзімі біткенше жарамды.",
        "A code was asked for too many times in a row, for this number or from this "
        "device. So that nobody can flood you with messages, a new code can be asked for "
        "{when}. A code that already arrived works until it expires.",
    ),
    "msg.rate.code_checks": (
        "С этого устройства слишком много раз ввели неверный код. Защита от подбора "
        "остановила попытки: повторите {when}.",
        "Бұл құрылғыдан код тым көп рет қате енгізілді. Іріктеуден қорғаныс әрекеттерді "
        "тоқтатты: {when} қайталаңыз.",
        "Too many wrong codes were typed from this device. The guard against guessing has "
        "paused them: try again {when}.",
    ),
    # -- sign-in ---------------------------------------------------------------------------
    "msg.signin.id_length": (
        "Идентификационный номер — от 1 до {most} букв и цифр.",
        "Жеке сәйкестендіру нөмірі әріптер мен сандардан тұрады, ең көбі {most} таңба.",
        "A national ID number has 1 to {most} letters and digits.",
    ),
    "msg.signin.not_open": (
        "Коды для входа выдаются только во время голосования. Сейчас: {phase}.",
        "Кіру кодтары тек дауыс беру кезінде беріледі. Қазір: {phase}.",
        "Sign-in codes are given only while voting is open. Now: {phase}.",
    ),
    "msg.signin.undeliverable": (
        "На контакт, указанный для вас в списке, сообщение отправить нельзя. "
        "Обратитесь к организаторам.",
        "Тізімде сізге көрсетілген байланысқа хабарлама жіберу мүмкін емес. "
        "Ұйымдастырушыларға хабарласыңыз.",
        "No message can be sent to the contact the roll has for you. Ask the organisers.",
    ),
    "msg.signin.code_format": (
        "Код состоит из {short} цифр (после нескольких запросов за день — из {long}).",
        "Код {short} саннан тұрады (бір күнде бірнеше рет сұрағаннан кейін — {long} саннан).",
        "The code has {short} digits ({long} after several requests in one day).",
    ),
    "msg.signin.no_code": (
        "Для этого номера с этого браузера код не запрашивался. Запросите новый код.",
        "Бұл нөмір үшін осы браузерден код сұралмаған. Жаңа код сұраңыз.",
        "No code was asked for this ID number from this browser. Ask for a new code.",
    ),
    "msg.signin.code_expired": (
        "Срок действия кода истёк. Запросите новый код — он придёт через минуту.",
        "Кодтың мерзімі өтіп кетті. Жаңа код сұраңыз — ол бір минутта келеді.",
        "The code has expired. Ask for a new code: it arrives within a minute.",
    ),
    "msg.signin.code_used_up": (
        "Код введён неверно слишком много раз и больше не действует. Запросите новый код.",
        "Код тым көп рет қате енгізілді және енді жарамсыз. Жаңа код сұраңыз.",
        "The code was entered wrongly too many times and no longer works. Ask for a new code.",
    ),
    "msg.signin.code_wrong": (
        "Код неверный. Осталось попыток: {left}.",
        "Код қате. Қалған әрекет саны: {left}.",
        "The code is wrong. Attempts left: {left}.",
    ),
    "msg.session.none": (
        "Сначала войдите с кодом, присланным на ваш телефон или e-mail.",
        "Алдымен телефоныңызға немесе e-mail-ға келген кодпен кіріңіз.",
        "Sign in first with the code sent to your phone or e-mail.",
    ),
    "msg.session.invalid": (
        "Сеанс недействителен. Войдите снова.",
        "Сеанс жарамсыз. Қайта кіріңіз.",
        "The session is not valid. Sign in again.",
    ),
    "msg.session.other_election": (
        "Вы вошли в другое голосование. Войдите в это.",
        "Сіз басқа дауыс беруге кірдіңіз. Осы дауыс беруге кіріңіз.",
        "You are signed in to another election. Sign in to this one.",
    ),
    "msg.session.expired": (
        "Сеанс закончился по времени. Войдите снова — выбор в бюллетене не сохраняется "
        "на сервере, пока вы его не отправили.",
        "Сеанс уақыты бітті. Қайта кіріңіз — бюллетеньдегі таңдауыңыз жібергенге дейін "
        "серверде сақталмайды.",
        "The session has timed out. Sign in again: your choices are not kept on the server "
        "until you cast them.",
    ),
    "msg.session.ended": (
        "Вы вышли из голосования. Чтобы продолжить, войдите снова.",
        "Сіз дауыс беруден шықтыңыз. Жалғастыру үшін қайта кіріңіз.",
        "You signed out. Sign in again to go on.",
    ),
    "msg.csrf.missing": (
        "Страница устарела. Обновите её и повторите.",
        "Бет ескірді. Оны жаңартып, қайталаңыз.",
        "The page is out of date. Reload it and try again.",
    ),
    "msg.election.unknown": (
        "Голосования «{election}» нет.",
        "«{election}» дауыс беруі жоқ.",
        "There is no election “{election}”.",
    ),
    # -- the roll --------------------------------------------------------------------------
    "msg.roll.line": (
        "Строка {line}: {problem}",
        "{line}-жол: {problem}",
        "Line {line}: {problem}",
    ),
    "msg.roll.not_setup": (
        "Список и исключения можно менять только на этапе подготовки. Сейчас: {phase}.",
        "Тізімді және ерекшеліктерді тек дайындық кезеңінде өзгертуге болады. Қазір: {phase}.",
        "The roll and its exceptions can be changed only in preparation. Now: {phase}.",
    ),
    "msg.roll.too_many_voters": (
        "В списке было бы больше {most} избирателей — это больше, чем принимает сервис.",
        "Тізімдегі сайлаушылар саны қызмет қабылдайтын {most} шегінен асып кетер еді.",
        "The roll would have more than {most} voters, more than the service takes.",
    ),
    "msg.roll.too_many": (
        "В файле больше {most} строк.",
        "Файлдағы жолдар саны {most} шегінен асады.",
        "The file has more than {most} rows.",
    ),
    "msg.roll.not_utf8": (
        "Файл не в кодировке UTF-8 (строка {line}). Сохраните его из таблицы как «CSV UTF-8».",
        "Файл UTF-8 кодтауында емес ({line}-жол). Оны кестеден «CSV UTF-8» ретінде сақтаңыз.",
        "The file is not UTF-8 text (line {line}). Save it from the spreadsheet as “CSV UTF-8”.",
    ),
    "msg.roll.no_header": (
        "В файле нет строки заголовков (national_id, name, …).",
        "Файлда тақырып жолы жоқ (national_id, name, …).",
        "The file has no header line (national_id, name, …).",
    ),
    "msg.roll.not_csv": (
        "Строка {line} не читается как CSV (проверьте кавычки).",
        "{line}-жол CSV ретінде оқылмайды (тырнақшаларды тексеріңіз).",
        "Line {line} cannot be read as CSV (check the quotes).",
    ),
    "msg.roll.column_twice": (
        "Столбец повторяется: {columns}.",
        "Баған қайталанады: {columns}.",
        "A column appears twice: {columns}.",
    ),
    "msg.roll.columns_missing": (
        "Не хватает столбцов: {columns} (в файле: {found}). Нужны national_id, name, unit "
        "и phone или email.",
        "Бағандар жетіспейді: {columns} (файлда: {found}). national_id, name, unit және "
        "phone немесе email қажет.",
        "Columns are missing: {columns} (the file has: {found}). It needs national_id, "
        "name, unit and phone or email.",
    ),
    "msg.roll.field_count": (
        "полей {fields}, а в заголовке {header}",
        "өрістер саны {fields}, ал тақырыпта {header}",
        "{fields} fields where the header has {header}",
    ),
    "msg.roll.id_empty": (
        "идентификационный номер не указан",
        "жеке сәйкестендіру нөмірі көрсетілмеген",
        "the national ID number is empty",
    ),
    "msg.roll.id_shape": (
        "идентификационный номер {value} — не до {most} латинских букв и цифр",
        "{value} жеке сәйкестендіру нөмірі латын әріптері мен сандарынан тұрмайды "
        "немесе {most} таңбадан ұзын",
        "national ID {value} is not up to {most} letters and digits",
    ),
    "msg.roll.name_empty": ("имя не указано", "аты көрсетілмеген", "the name is empty"),
    "msg.roll.name_shape": (
        "имя длиннее {most} знаков или содержит управляющие символы",
        "аты {most} таңбадан ұзын немесе басқарушы таңбалары бар",
        "the name is longer than {most} characters or has control characters",
    ),
    "msg.roll.unit_empty": (
        "участок (unit) не указан",
        "учаске (unit) көрсетілмеген",
        "the unit is empty",
    ),
    "msg.roll.unit_unknown": (
        "участка {unit} нет в манифесте этих выборов",
        "{unit} учаскесі осы сайлаудың манифесінде жоқ",
        "unit {unit} is not a unit of the election",
    ),
    "msg.roll.no_contact": (
        "нет ни телефона, ни e-mail",
        "телефон да, e-mail да жоқ",
        "neither a phone number nor an e-mail address",
    ),
    "msg.roll.id_on_roll": (
        "идентификационный номер {id} уже есть в списке",
        "{id} жеке сәйкестендіру нөмірі тізімде бар",
        "national ID {id} is already on the roll",
    ),
    "msg.roll.id_twice": (
        "идентификационный номер {id} уже встречается в строке {first}",
        "{id} жеке сәйкестендіру нөмірі {first}-жолда бар",
        "national ID {id} is also on line {first}",
    ),
    "msg.roll.shared_phone_line": (
        "телефон {contact} уже указан в строке {first}; для общего телефона запишите "
        "исключение с причиной",
        "{contact} телефоны {first}-жолда да көрсетілген; ортақ телефон үшін себебін "
        "жазып, ерекшелік тіркеңіз",
        "phone {contact} is also used on line {first}; a shared phone needs an exception "
        "recorded with a reason",
    ),
    "msg.roll.shared_phone_on_roll": (
        "телефон {contact} уже указан у другого избирателя в списке; для общего телефона запишите "
        "исключение с причиной",
        "{contact} телефоны тізімдегі басқа сайлаушыда да бар; ортақ телефон үшін себебін жазып, "
        "ерекшелік тіркеңіз",
        "phone {contact} is also used by a voter already on the roll; a shared phone needs "
        "an exception recorded with a reason",
    ),
    "msg.roll.shared_email_line": (
        "e-mail {contact} уже указан в строке {first}; для общего e-mail запишите "
        "исключение с причиной",
        "{contact} e-mail-ы {first}-жолда да көрсетілген; ортақ e-mail үшін себебін жазып, "
        "ерекшелік тіркеңіз",
        "e-mail {contact} is also used on line {first}; a shared e-mail needs an exception "
        "recorded with a reason",
    ),
    "msg.roll.shared_email_on_roll": (
        "e-mail {contact} уже указан у другого избирателя в списке; для общего e-mail запишите "
        "исключение с причиной",
        "{contact} e-mail-ы тізімдегі басқа сайлаушыда да бар; ортақ e-mail үшін себебін жазып, "
        "ерекшелік тіркеңіз",
        "e-mail {contact} is also used by a voter already on the roll; a shared e-mail "
        "needs an exception recorded with a reason",
    ),
    "msg.roll.label_shape": (
        "метка {value} длиннее {most} знаков или содержит управляющие символы",
        "{value} белгісі {most} таңбадан ұзын немесе басқарушы таңбалары бар",
        "label {value} is longer than {most} characters or has control characters",
    ),
    "msg.roll.label_names": (
        "метка {value} содержит имя или номер избирателя, а их прочтёт служба рассылки; "
        "напишите, например, «мама» или «сын 2»",
        "{value} белгісінде сайлаушының аты немесе нөмірі бар, ал оны хабарлама жіберу "
        "қызметі оқиды; мысалы, «анам» немесе «2-ұлы» деп жазыңыз",
        "label {value} holds the voter's name or ID, which the message service would read; "
        "write, say, “mother” or “son 2”",
    ),
    "msg.contact.phone_control": (
        "телефон {value} содержит управляющие или невидимые символы",
        "{value} телефонында басқарушы немесе көрінбейтін таңбалар бар",
        "phone {value} contains control or format characters",
    ),
    "msg.contact.phone_letters": (
        "в телефоне {value} есть буквы",
        "{value} телефонында әріптер бар",
        "phone {value} contains letters",
    ),
    "msg.contact.phone_digits_kind": (
        "в телефоне {value} есть цифры не из набора 0–9",
        "{value} телефонында 0–9 жиынынан тыс сандар бар",
        "phone {value} contains non-ASCII digits",
    ),
    "msg.contact.phone_length": (
        "в телефоне {value} цифр: {digits}, а нужно от 10 до 15",
        "{value} телефонындағы сан саны: {digits}, ал 10-нан 15-ке дейін болуы керек",
        "phone {value} has {digits} digits, not 10 to 15",
    ),
    "msg.contact.email_control": (
        "e-mail {value} содержит управляющие или невидимые символы",
        "{value} e-mail-ында басқарушы немесе көрінбейтін таңбалар бар",
        "e-mail {value} contains control or format characters",
    ),
    "msg.contact.email_not_plain": (
        'e-mail {value} — не один простой адрес (в нём есть один из знаков , ; < > ( ) " \\ [ ] :)',
        '{value} e-mail-ы — бір қарапайым мекенжай емес (онда , ; < > ( ) " \\ [ ] : '
        "таңбаларының бірі бар)",
        'e-mail {value} is not one plain address (it has one of , ; < > ( ) " \\ [ ] :)',
    ),
    "msg.contact.email_at_twice": (
        "в e-mail {value} больше одного @",
        "{value} e-mail-ында бірден көп @ бар",
        "e-mail {value} has more than one @",
    ),
    "msg.contact.email_no_at": (
        "в e-mail {value} нет @",
        "{value} e-mail-ында @ жоқ",
        "e-mail {value} has no @",
    ),
    "msg.contact.email_shape": (
        "e-mail {value} не имеет вида имя@домен",
        "{value} e-mail-ы атау@домен түрінде емес",
        "e-mail {value} is not local@domain",
    ),
    "msg.contact.email_long": (
        "в e-mail {value} есть пробелы или он слишком длинный",
        "{value} e-mail-ында бос орын бар немесе ол тым ұзын",
        "e-mail {value} has spaces or is too long",
    ),
    "msg.exception.no_contact": (
        "Для исключения укажите телефон или e-mail.",
        "Ерекшелік үшін телефонды немесе e-mail-ды көрсетіңіз.",
        "An exception needs a phone number or e-mail address.",
    ),
    "msg.exception.reason_length": (
        "Причина исключения — от 3 до 500 знаков.",
        "Ерекшеліктің себебі 3-тен 500-ге дейін таңбадан тұрады.",
        "The reason for an exception has 3 to 500 characters.",
    ),
    "msg.exception.reason_control": (
        "В причине исключения есть переносы строк, табуляция или невидимые символы: "
        "напишите её одной строкой.",
        "Ерекшелік себебінде жол ауыстыру, табуляция немесе көрінбейтін таңбалар бар: "
        "оны бір жолмен жазыңыз.",
        "The reason for an exception has line breaks, tabs or invisible characters: write "
        "it on one line.",
    ),
    # -- organisers ------------------------------------------------------------------------
    "msg.organiser.not_signed_in": (
        "Организаторы входят со своим токеном организатора.",
        "Ұйымдастырушылар өз ұйымдастырушы токенімен кіреді.",
        "Organisers sign in with their organiser token.",
    ),
    "msg.organiser.token_malformed": (
        "Это не токен организатора: проверьте, что он скопирован целиком.",
        "Бұл ұйымдастырушы токені емес: оның толық көшірілгенін тексеріңіз.",
        "This is not an organiser token: check that it was copied whole.",
    ),
    "msg.organiser.token_unknown": (
        "Такой токен организатора неизвестен или отозван.",
        "Мұндай ұйымдастырушы токені белгісіз немесе кері қайтарылған.",
        "This organiser token is unknown or revoked.",
    ),
    "msg.organiser.not_setup": (
        "Это возможно только на этапе подготовки. Сейчас: {phase}.",
        "Бұл тек дайындық кезеңінде мүмкін. Қазір: {phase}.",
        "This is possible only in preparation. Now: {phase}.",
    ),
    "msg.organiser.scope_create": (
        "Ваш токен управляет только голосованием «{own}»: создать «{election}» с ним нельзя.",
        "Сіздің токеніңіз тек «{own}» дауыс беруін басқарады: онымен «{election}» "
        "құру мүмкін емес.",
        "Your token manages the election “{own}” only: it cannot create “{election}”.",
    ),
    "msg.organiser.key_for_other_manifest": (
        "Ключ выборов получен на церемонии для другого манифеста (голосование «{key_election}», "
        "хеш {key_hash}…), а этот манифест — «{election}», хеш {hash}…. Хранители ключа должны "
        "провести церемонию для хеша этого манифеста (honestballot election manifest-hash).",
        "Сайлау кілті басқа манифестке арналған рәсімде жасалған («{key_election}» дауыс "
        "беруі, хеші {key_hash}…), ал бұл манифест — «{election}», хеші {hash}…. Кілт "
        "сақтаушылар рәсімді осы манифест хеші үшін өткізуі керек "
        "(honestballot election manifest-hash).",
        "The election key comes from a key ceremony for another manifest (election "
        "“{key_election}”, hash {key_hash}…); this manifest is “{election}”, hash {hash}…. "
        "The trustees must run the ceremony for this manifest's hash "
        "(honestballot election manifest-hash).",
    ),
    "msg.organiser.election_exists": (
        "Голосование «{election}» уже существует.",
        "«{election}» дауыс беруі бұрыннан бар.",
        "The election “{election}” already exists.",
    ),
    "msg.encrypted_roll.format": (
        "Файл зашифрованного списка повреждён: {problem}",
        "Шифрланған тізім файлы бүлінген: {problem}",
        "The encrypted roll file is malformed: {problem}",
    ),
    "msg.encrypted_roll.invalid": (
        "Зашифрованный список не прошёл проверку: {problem}",
        "Шифрланған тізім тексеруден өтпеді: {problem}",
        "The encrypted roll fails its checks: {problem}",
    ),
    "msg.encrypted_roll.election": (
        "Зашифрованный список сделан для другого голосования.",
        "Шифрланған тізім басқа дауыс беру үшін жасалған.",
        "The encrypted roll was made for another election.",
    ),
    "msg.organiser.revoting_needs_schedule": (
        "Голосование создаётся с защитой переголосования: передайте его расписание пакетов "
        "(«schedule», docs/api.md).",
        "Дауыс беру қайта дауыс беруді қорғаумен құрылады: оның топтама кестесін («schedule», "
        "docs/api.md) жіберіңіз.",
        "An election has re-voting protection: send its batch “schedule” (docs/api.md).",
    ),
    "msg.organiser.revoting_no_plan": (
        "Защите переголосования нужно расписание пакетов: укажите ожидаемое число избирателей, "
        "покажите предлагаемое расписание и создайте голосование.",
        "Қайта дауыс беруді қорғауға топтама кестесі керек: күтілетін сайлаушылар санын көрсетіп, "
        "ұсынылған кестені ашыңыз да, дауыс беруді құрыңыз.",
        "Re-voting protection needs its batch schedule: enter the expected voters, show the "
        "proposed schedule, then create the election.",
    ),
    "msg.revoting.needs_organiser_key": (
        "Голосованию с защитой переголосования нужен ключ организатора: оно открывается с "
        "зашифрованным списком, который подписывает организатор.",
        "Қайта дауыс беруден қорғалған дауыс беруге ұйымдастырушының кілті керек: ол "
        "ұйымдастырушы қол қоятын шифрланған тізіммен ашылады.",
        "An election with re-voting protection needs the organiser's key: it opens with the "
        "encrypted roll the organiser signs.",
    ),
    "msg.encrypted_roll.not_revoting": (
        "У этого голосования нет защиты переголосования (в его настройке нет расписания "
        "пакетов): зашифрованный список ему не нужен.",
        "Бұл дауыс берудің қайта дауыс беруден қорғауы жоқ (баптауында топтамалар кестесі "
        "жоқ): оған шифрланған тізім қажет емес.",
        "This election has no re-voting protection (its setup names no batch schedule): it "
        "takes no encrypted roll.",
    ),
    "msg.encrypted_roll.missing": (
        "Голосование с защитой переголосования открывается с зашифрованным списком "
        "организатора: сначала загрузите его.",
        "Қайта дауыс беруден қорғалған дауыс беру ұйымдастырушының шифрланған тізімімен "
        "ашылады: алдымен оны жүктеңіз.",
        "An election with re-voting protection opens with the organiser's encrypted roll: "
        "upload it first.",
    ),
    "msg.encrypted_roll.no_key": (
        "Для зашифрованного списка нужен ключ организатора, а у этого голосования его нет.",
        "Шифрланған тізімге ұйымдастырушының кілті керек, ал бұл дауыс берудің кілті жоқ.",
        "An encrypted roll needs the organiser's key, and this election names none.",
    ),
    "msg.encrypted_roll.markers": (
        "Вопрос «{contest}» считается перемешиванием и допускает {rows} разных бюллетеней — "
        "больше одного на каждые {per} из {voters} избирателей списка. С защитой повторного "
        "голосования редкий бюллетень мог бы пометить избирателя: считайте этот вопрос "
        "суммой или дайте ему меньше вариантов.",
        "«{contest}» сұрағы араластыру арқылы саналады және {rows} түрлі бюллетеньге рұқсат "
        "береді — тізімдегі {voters} сайлаушының әр {per} адамына біреуден көп. Қайта дауыс "
        "беруді қорғау кезінде сирек бюллетень сайлаушыны белгілеп қоюы мүмкін: бұл сұрақты "
        "қосынды арқылы санаңыз немесе нұсқаларын азайтыңыз.",
        "Contest {contest} is counted by mixing and admits {rows} different ballots, more "
        "than one per {per} of the roll's {voters} voters. With re-voting protection a rare "
        "ballot could mark a voter: count it by sum, or give it fewer choices.",
    ),
    "msg.encrypted_roll.markers_ranked": (
        "Вопрос «{contest}» с ранжированием допускает {rows} разных бюллетеней — больше "
        "одного на каждые {per} из {voters} избирателей списка. С защитой повторного "
        "голосования редкий бюллетень мог бы пометить избирателя: ранжируйте меньше мест "
        "или укажите меньше кандидатов. Для такого вопроса в списке должно быть не меньше "
        "{needed} избирателей.",
        "Ранжирленген «{contest}» сұрағы {rows} түрлі бюллетеньге рұқсат береді — тізімдегі "
        "{voters} сайлаушының әр {per} адамына біреуден көп. Қайта дауыс беруді қорғау "
        "кезінде сирек бюллетень сайлаушыны белгілеп қоюы мүмкін: орындарды азырақ "
        "ранжирлеңіз немесе кандидаттарды азайтыңыз. Мұндай сұрақ үшін тізімде кемінде "
        "{needed} сайлаушы болуы керек.",
        "Ranked contest {contest} admits {rows} different ballots, more than one per {per} "
        "of the roll's {voters} voters. With re-voting protection a rare ballot could mark "
        "a voter: rank fewer places or list fewer candidates. Such a contest needs "
        "{needed} voters on the roll.",
    ),
    "msg.roll_needs.needed": (
        "Вопрос «{contest}» считается перемешиванием и допускает {rows} разных бюллетеней. "
        "С защитой повторного голосования в списке должно быть {per} избирателей на каждый "
        "такой бюллетень, то есть не меньше {needed}, иначе зашифрованный список будет "
        "отклонён. Если избирателей будет меньше, считайте вопрос суммой или дайте ему "
        "меньше вариантов.",
        "«{contest}» сұрағы араластыру арқылы саналады және {rows} түрлі бюллетеньге рұқсат "
        "береді. Қайта дауыс беруден қорғау кезінде тізімде әр осындай бюллетеньге {per} "
        "сайлаушы, яғни кемінде {needed} сайлаушы болуы керек, әйтпесе шифрланған тізім "
        "қабылданбайды. Сайлаушылар азырақ болса, сұрақты қосынды арқылы санаңыз немесе "
        "нұсқаларын азайтыңыз.",
        "Contest {contest} is counted by mixing and admits {rows} different ballots. With "
        "re-voting protection the roll needs {per} voters per such ballot, at least "
        "{needed}, or the encrypted roll is refused. With fewer voters, count it by sum or "
        "give it fewer choices.",
    ),
    "msg.roll_needs.needed_ranked": (
        "Вопрос «{contest}» с ранжированием допускает {rows} разных бюллетеней. С защитой "
        "повторного голосования в списке должно быть {per} избирателей на каждый такой "
        "бюллетень, то есть не меньше {needed}, иначе зашифрованный список будет отклонён. "
        "Если избирателей будет меньше, укажите меньше кандидатов или ранжируйте меньше "
        "мест.",
        "Ранжирленген «{contest}» сұрағы {rows} түрлі бюллетеньге рұқсат береді. Қайта дауыс "
        "беруден қорғау кезінде тізімде әр осындай бюллетеньге {per} сайлаушы, яғни кемінде "
        "{needed} сайлаушы болуы керек, әйтпесе шифрланған тізім қабылданбайды. Сайлаушылар "
        "азырақ болса, кандидаттарды азайтыңыз немесе орындарды азырақ ранжирлеңіз.",
        "Ranked contest {contest} admits {rows} different ballots. With re-voting "
        "protection the roll needs {per} voters per such ballot, at least {needed}, or the "
        "encrypted roll is refused. With fewer voters, list fewer candidates or rank fewer "
        "places.",
    ),
    "msg.roll_needs.expected": (
        "Вопрос «{contest}» считается перемешиванием и допускает {rows} разных бюллетеней. "
        "С защитой повторного голосования в списке должно быть {per} избирателей на каждый "
        "такой бюллетень, то есть не меньше {needed}; ожидается {voters} избирателей. Если в "
        "списке будет меньше {needed}, зашифрованный список будет отклонён: тогда считайте "
        "вопрос суммой или дайте ему меньше вариантов.",
        "«{contest}» сұрағы араластыру арқылы саналады және {rows} түрлі бюллетеньге рұқсат "
        "береді. Қайта дауыс беруден қорғау кезінде тізімде әр осындай бюллетеньге {per} "
        "сайлаушы, яғни кемінде {needed} сайлаушы болуы керек; {voters} сайлаушы күтіледі. "
        "Тізімде {needed} сайлаушыдан аз болса, шифрланған тізім қабылданбайды: онда сұрақты "
        "қосынды арқылы санаңыз немесе нұсқаларын азайтыңыз.",
        "Contest {contest} is counted by mixing and admits {rows} different ballots. With "
        "re-voting protection the roll needs {per} voters per such ballot, at least "
        "{needed}; {voters} voters are expected. If the roll has fewer than {needed}, the "
        "encrypted roll is refused: then count it by sum or give it fewer choices.",
    ),
    "msg.roll_needs.expected_ranked": (
        "Вопрос «{contest}» с ранжированием допускает {rows} разных бюллетеней. С защитой "
        "повторного голосования в списке должно быть {per} избирателей на каждый такой "
        "бюллетень, то есть не меньше {needed}; ожидается {voters} избирателей. Если в "
        "списке будет меньше {needed}, зашифрованный список будет отклонён: тогда укажите "
        "меньше кандидатов или ранжируйте меньше мест.",
        "Ранжирленген «{contest}» сұрағы {rows} түрлі бюллетеньге рұқсат береді. Қайта дауыс "
        "беруден қорғау кезінде тізімде әр осындай бюллетеньге {per} сайлаушы, яғни кемінде "
        "{needed} сайлаушы болуы керек; {voters} сайлаушы күтіледі. Тізімде {needed} "
        "сайлаушыдан аз болса, шифрланған тізім қабылданбайды: онда кандидаттарды азайтыңыз "
        "немесе орындарды азырақ ранжирлеңіз.",
        "Ranked contest {contest} admits {rows} different ballots. With re-voting "
        "protection the roll needs {per} voters per such ballot, at least {needed}; "
        "{voters} voters are expected. If the roll has fewer than {needed}, the encrypted "
        "roll is refused: then list fewer candidates or rank fewer places.",
    ),
    "msg.encrypted_roll.unsigned": (
        "Зашифрованный список не подписан ключом организатора.",
        "Шифрланған тізімге ұйымдастырушының кілтімен қол қойылмаған.",
        "The encrypted roll is not signed by the organiser.",
    ),
    "msg.encrypted_roll.parts": (
        "Части зашифрованного списка не те, что названы в нём.",
        "Шифрланған тізімнің бөліктері онда аталғандар емес.",
        "The roll's parts are not the ones the roll names.",
    ),
    "msg.encrypted_roll.summary": (
        "Сводка зашифрованного списка не совпадает со списком в сервисе: сделайте его "
        "заново по текущему списку.",
        "Шифрланған тізімнің жиынтығы сервистегі тізіммен сәйкес келмейді: оны қазіргі "
        "тізім бойынша қайта жасаңыз.",
        "The encrypted roll's summary is not the roll the service holds: make it again from "
        "the current roll.",
    ),
    "msg.encrypted_roll.rows": (
        "В зашифрованном списке не по одной строке на избирателя.",
        "Шифрланған тізімде әр сайлаушыға бір жолдан емес.",
        "The encrypted roll has not one row per voter.",
    ),
    "msg.encrypted_roll.voters": (
        "Письма не по одному на каждого избирателя списка.",
        "Хаттар тізімдегі әр сайлаушыға бір-бірден емес.",
        "The letters are not one per voter of the roll.",
    ),
    "msg.encrypted_roll.voters_unit": (
        "В письме указан не тот отчётный участок, к которому относится избиратель.",
        "Хатта сайлаушының есеп беру учаскесі емес, басқа учаске көрсетілген.",
        "A letter names another reporting unit than its voter's.",
    ),
    "msg.encrypted_roll.voters_handle": (
        "У двух писем один и тот же идентификатор.",
        "Екі хаттың идентификаторы бірдей.",
        "Two letters have one handle.",
    ),
    "msg.encrypted_roll.phase": (
        "Зашифрованный список принимается только до открытия голосования.",
        "Шифрланған тізім тек дауыс беру ашылғанға дейін қабылданады.",
        "The encrypted roll is kept only in setup.",
    ),
    "msg.encrypted_roll.signature_sent": (
        "Подпись сводки списка несёт зашифрованный список организатора: при открытии "
        "подпись не отправляйте.",
        "Тізім қорытындысының қолтаңбасы ұйымдастырушының шифрланған тізімінде бар: ашқан "
        "кезде қолтаңба жібермеңіз.",
        "Its encrypted roll carries the signature of the roll summary: send none with the open.",
    ),
    "msg.encrypted_roll.stale": (
        "Список изменился после того, как был сделан зашифрованный список: сделайте "
        "зашифрованный список заново по текущему списку.",
        "Шифрланған тізім жасалғаннан кейін тізім өзгерді: шифрланған тізімді қазіргі "
        "тізім бойынша қайта жасаңыз.",
        "The roll changed after the encrypted roll was made: make the encrypted roll again "
        "from the current roll.",
    ),
    "msg.organiser.roll_empty": (
        "Список избирателей пуст: загрузите его, прежде чем открывать голосование.",
        "Сайлаушылар тізімі бос: дауыс беруді ашпас бұрын оны жүктеңіз.",
        "The roll is empty: import it before opening the election.",
    ),
    "msg.organiser.no_action": (
        "Такого действия нет.",
        "Мұндай әрекет жоқ.",
        "There is no such action.",
    ),
    "msg.organiser.choose_manifest": (
        "Выберите файл манифеста.",
        "Манифест файлын таңдаңыз.",
        "Choose the manifest file.",
    ),
    "msg.organiser.choose_election_key": (
        "Выберите файл ключа выборов.",
        "Сайлау кілтінің файлын таңдаңыз.",
        "Choose the election key file.",
    ),
    "msg.organiser.choose_roll": (
        "Выберите файл списка избирателей (CSV).",
        "Сайлаушылар тізімінің файлын (CSV) таңдаңыз.",
        "Choose the voter roll file (CSV).",
    ),
    "msg.organiser.choose_signature": (
        "Выберите файл подписи.",
        "Қолтаңба файлын таңдаңыз.",
        "Choose the signature file.",
    ),
    "msg.organiser.choose_encrypted_roll": (
        "Выберите файл зашифрованного списка.",
        "Шифрланған тізім файлын таңдаңыз.",
        "Choose the encrypted roll file.",
    ),
    "msg.organiser.files_swapped": (
        "Похоже, файлы перепутаны: в поле манифеста выбран файл ключа выборов, а в поле "
        "ключа — манифест. Поменяйте их местами.",
        "Файлдар шатастырылған сияқты: манифест өрісінде сайлау кілтінің файлы, ал кілт "
        "өрісінде манифест таңдалған. Оларды орындарымен ауыстырыңыз.",
        "The two files seem swapped: the manifest field holds the election key file and "
        "the key field the manifest. Swap them.",
    ),
    "msg.organiser.not_a_manifest": (
        "Файл в поле манифеста — не манифест выборов (его формат: docs/record-format.md, "
        "раздел 4).",
        "Манифест өрісіндегі файл — сайлау манифесі емес (пішімі: docs/record-format.md, 4-бөлім).",
        "The file in the manifest field is not an election manifest (its format: "
        "docs/record-format.md, section 4).",
    ),
    "msg.organiser.not_a_key": (
        "Файл в поле ключа — не файл ключа выборов (его делает honestballot trustee finalize).",
        "Кілт өрісіндегі файл — сайлау кілтінің файлы емес (оны honestballot trustee "
        "finalize жасайды).",
        "The file in the key field is not an election key file (honestballot trustee "
        "finalize makes it).",
    ),
    # -- the board and the log -------------------------------------------------------------
    "msg.board.query_long": (
        "Запрос слишком длинный: введите код отслеживания или начало хеша.",
        "Сұрау тым ұзын: бақылау кодын немесе хештің басын енгізіңіз.",
        "The search is too long: give a tracking code or the beginning of a hash.",
    ),
    "msg.board.query_shape": (
        "Введите код отслеживания вида ABCD-EFGH-IJKL-MNOP (16 латинских букв A–Z и цифр "
        "2–7) или не меньше 8 шестнадцатеричных знаков хеша.",
        "ABCD-EFGH-IJKL-MNOP түріндегі бақылау кодын (A–Z латын әріптері мен 2–7 сандарынан "
        "16 таңба) немесе хештің кемінде 8 он алтылық таңбасын енгізіңіз.",
        "Give a tracking code like ABCD-EFGH-IJKL-MNOP (16 letters A-Z and digits 2-7) or "
        "at least 8 hex digits of a tracking hash.",
    ),
    "msg.board.after": (
        "Номер позиции на доске должен быть целым числом.",
        "Тақтадағы орын нөмірі бүтін сан болуы керек.",
        "A board position is a whole number.",
    ),
    "msg.board.limit": (
        "Число записей на странице — целое число от 1 до {most}.",
        "Беттегі жазбалар саны — бүтін сан, кемінде 1, ең көбі {most}.",
        "The number of entries per page is a whole number from 1 to {most}.",
    ),
    "msg.board.seq": (
        "Позиция на доске — целое число.",
        "Тақтадағы орын — бүтін сан.",
        "A board position is a whole number.",
    ),
    "msg.board.no_event": (
        "На доске нет события на позиции {seq}.",
        "Тақтада {seq} орнында оқиға жоқ.",
        "The board has no event at position {seq}.",
    ),
    "msg.board.event_kind": (
        "Вид события должен быть одним из: {kinds}.",
        "Оқиға түрі мыналардың бірі болуы керек: {kinds}.",
        "The kind of event must be one of {kinds}.",
    ),
    "msg.board.event_unit": (
        "По участку перечисляются только события участков и бумажных итогов.",
        "Учаске бойынша тек учаскелер мен қағаз қорытындыларының оқиғалары беріледі.",
        "Only station and paper events are listed per unit.",
    ),
    "msg.board.range": (
        "Диапазон позиций на доске: from и to — целые числа, to не меньше from, без kind.",
        "Тақтадағы орындар аралығы: from және to — бүтін сандар, to from-нан кем емес, kind-сыз.",
        "A range of board positions: from and to are whole numbers, to not below from, "
        "without kind.",
    ),
    "msg.log.not_witnessed": (
        "Ни одна вершина журнала ещё не заверена нужным числом свидетелей.",
        "Журналдың бірде-бір төбесі әлі куәгерлердің қажетті санымен расталмаған.",
        "No tree head is co-signed by the witnesses' quorum yet.",
    ),
    "msg.log.size": (
        "{name}: размер журнала — целое число.",
        "{name}: журнал өлшемі — бүтін сан.",
        "{name} must be a log size (a whole number).",
    ),
    "msg.log.old_zero": (
        "old должен быть не меньше 1: любой журнал продолжает пустой.",
        "old кемінде 1 болуы керек: кез келген журнал бос журналдың жалғасы.",
        "old must be at least 1: every log extends the empty one.",
    ),
    "msg.log.no_proof": (
        "Для этих размеров журнала нет доказательства согласованности.",
        "Журналдың бұл өлшемдері үшін үйлесімділік дәлелі жоқ.",
        "There is no consistency proof for these log sizes.",
    ),
    "msg.ballot.hash_shape": (
        "Хеш отслеживания — 64 строчных шестнадцатеричных знака.",
        "Бақылау хеші — 64 кіші он алтылық таңба.",
        "A tracking hash is 64 lower-case hex characters.",
    ),
    "msg.report.field.what": ("«Что произошло»", "«Не болды»", "‘What happened’"),
    "msg.report.field.where": ("«Где»", "«Қайда»", "‘Where’"),
    "msg.report.field.when": ("«Когда»", "«Қашан»", "‘When’"),
    "msg.report.field.published": (
        "Публикуемый текст",
        "Жарияланатын мәтін",
        "The published text",
    ),
    "msg.report.field.reason": ("Причина", "Себебі", "The reason"),
    "msg.report.not_text": (
        "{field}: нужен текст.",
        "{field}: мәтін қажет.",
        "{field} must be text.",
    ),
    "msg.report.control": (
        "{field}: в тексте есть управляющие символы.",
        "{field}: мәтінде басқарушы таңбалар бар.",
        "{field} contains control characters.",
    ),
    "msg.report.too_short": (
        "{field}: слишком коротко — нужно не меньше {low} знаков, сейчас {got}.",
        "{field}: тым қысқа — кемінде {low} таңба қажет, қазір {got}.",
        "{field} is too short: at least {low} characters, now {got}.",
    ),
    "msg.report.too_long": (
        "{field}: слишком длинно — не больше {high} знаков, сейчас {got}.",
        "{field}: тым ұзын — ең көбі {high} таңба, қазір {got}.",
        "{field} is too long: at most {high} characters, now {got}.",
    ),
    "msg.report.attachment_missing": (
        "Указан тип вложения, но самого вложения нет.",
        "Тіркеме түрі көрсетілген, бірақ тіркеменің өзі жоқ.",
        "An attachment type was given without an attachment.",
    ),
    "msg.report.attachment_type_missing": (
        "У вложения не указан тип.",
        "Тіркеменің түрі көрсетілмеген.",
        "The attachment has no type.",
    ),
    "msg.report.attachment_type": (
        "Вложения типа {kind} не принимаются; можно: {allowed}.",
        "{kind} түріндегі тіркемелер қабылданбайды; болады: {allowed}.",
        "Attachments of type {kind} are not accepted; allowed: {allowed}.",
    ),
    "msg.report.attachment_empty": (
        "Вложение пустое.",
        "Тіркеме бос.",
        "The attachment is empty.",
    ),
    "msg.report.attachment_large": (
        "Вложение слишком большое ({size} байт): принимается не больше 5 МиБ.",
        "Тіркеме тым үлкен ({size} байт): ең көбі 5 МиБ қабылданады.",
        "The attachment is too large ({size} bytes): at most 5 MiB is accepted.",
    ),
    "msg.report.attachment_not_kind": (
        "Вложение заявлено как {kind}, но его содержимое другое.",
        "Тіркеме {kind} ретінде көрсетілген, бірақ мазмұны басқа.",
        "The attachment is declared {kind} but its content is not.",
    ),
    "msg.report.jpeg_damaged": (
        "Изображение JPEG повреждено; сохраните его заново или приложите другой файл.",
        "JPEG суреті бүлінген; оны қайта сақтаңыз немесе басқа файл тіркеңіз.",
        "The JPEG image is damaged; save it again or attach another file.",
    ),
    "msg.report.unknown": (
        "Сообщения № {report} нет.",
        "№ {report} хабарлама жоқ.",
        "There is no report {report}.",
    ),
    "msg.organiser.media_type": (
        "Отправьте данные типа {expected} (получено: {given}).",
        "{expected} түріндегі деректерді жіберіңіз (алынғаны: {given}).",
        "Send {expected} (got {given}).",
    ),
    # -- the manifest form -----------------------------------------------------------------
    "msg.manifest_form.row": (
        "{where}: нужно {width} значений через «;», а не {found}.",
        "{where}: «;» арқылы бөлінген {width} мән қажет, {found} емес.",
        "{where}: {width} values separated by ';' are needed, not {found}.",
    ),
    "msg.manifest_form.number": (
        "{where}: нужно целое число.",
        "{where}: бүтін сан қажет.",
        "{where}: a whole number is needed.",
    ),
    "msg.manifest_form.unit_line": (
        "Участки, строка {line}",
        "Учаскелер, {line}-жол",
        "Units, line {line}",
    ),
    "msg.manifest_form.contest_line": (
        "Вопросы, строка {line}",
        "Сұрақтар, {line}-жол",
        "Contests, line {line}",
    ),
    "msg.manifest_form.min_unit_size": (
        "Минимальный размер участка",
        "Учаскенің ең аз өлшемі",
        "The minimum unit size",
    ),
    "msg.manifest_form.kind": (
        "{where}: восьмое значение — способ подсчёта: пусто (обычный подсчёт), mix "
        "(перемешиванием), irv или schulze (ранжированный вопрос); «{given}» не подходит.",
        "{where}: сегізінші мән — санау тәсілі: бос (әдеттегі санау), mix (араластыру "
        "арқылы), irv немесе schulze (рейтингтік сұрақ); «{given}» жарамайды.",
        "{where}: the eighth value is how the contest is counted: empty (the usual count), "
        "mix (by mixing), irv or schulze (a ranked contest); '{given}' is none of them.",
    ),
    # -- the manifest's rules for a ranked contest (protocol/manifest.py) --------------------
    "msg.manifest.ranked.method": (
        "Вопрос «{contest}»: ранжированный вопрос считается методом {methods}.",
        "«{contest}» сұрағы: рейтингтік сұрақ {methods} әдісімен саналады.",
        "Contest {contest}: a ranked contest is counted by one of {methods}.",
    ),
    "msg.manifest.ranked.count": (
        "Вопрос «{contest}»: ранжированный вопрос всегда считается перемешиванием.",
        "«{contest}» сұрағы: рейтингтік сұрақ әрқашан араластыру арқылы саналады.",
        "Contest {contest}: a ranked contest is always counted by mixing.",
    ),
    "msg.manifest.ranked.candidates": (
        "Вопрос «{contest}»: в ранжированном вопросе не больше {most} кандидатов.",
        "«{contest}» сұрағы: рейтингтік сұрақта {most} үміткерден көп болмайды.",
        "Contest {contest}: a ranked contest has at most {most} candidates.",
    ),
    "msg.manifest.ranked.minimum": (
        "Вопрос «{contest}»: минимум ранжированного вопроса — 0 (с вариантом «пустой "
        "бюллетень») или 1.",
        "«{contest}» сұрағы: рейтингтік сұрақтың ең азы — 0 («бос бюллетень» нұсқасымен) немесе 1.",
        "Contest {contest}: a ranked contest's minimum is 0 (with a blank-ballot option) or 1.",
    ),
    "msg.manifest.ranked.ranks": (
        "Вопрос «{contest}»: мест в ранжировании должно быть от 1 до {most} и не больше, "
        "чем кандидатов ({candidates}); указано {ranks}.",
        "«{contest}» сұрағы: рейтингтегі орын саны 1-ден {most}-ға дейін және үміткерлер "
        "санынан ({candidates}) аспауы керек; көрсетілгені {ranks}.",
        "Contest {contest}: a ranking has from 1 to {most} places, and no more than the "
        "candidates ({candidates}); {ranks} were given.",
    ),
    # -- trustees' uploads ------------------------------------------------------------
}
