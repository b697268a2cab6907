"""The voter pages' words: key -> (ru, kk, en).

``{name}`` placeholders are filled in by the page script (``voter.js``), never by the server.
"""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str, str]] = {
    # -- sign-in ---------------------------------------------------------------------------
    "voter.signin.title": ("Вход для голосования", "Дауыс беруге кіру", "Sign in to vote"),
    "voter.signin.intro": (
        "Введите свой идентификационный номер (ИИН). Мы отправим одноразовый код на телефон "
        "или e-mail, указанный для вас в списке избирателей.",
        "Жеке сәйкестендіру нөміріңізді (ЖСН) енгізіңіз. Сайлаушылар тізімінде сізге "
        "көрсетілген телефонға немесе e-mail поштасына бір реттік код жібереміз.",
        "Enter your national ID number. We will send a one-time code to the phone or e-mail "
        "registered for you on the roll.",
    ),
    "voter.national_id": (
        "Идентификационный номер (ИИН)",
        "Жеке сәйкестендіру нөмірі (ЖСН)",
        "National ID number",
    ),
    "voter.send_code": ("Получить код", "Код алу", "Send me a code"),
    "voter.signin.sent": (
        "Если вы есть в списке избирателей, код отправлен на ваш зарегистрированный телефон "
        "или e-mail.",
        "Егер сіз сайлаушылар тізімінде болсаңыз, код тіркелген телефоныңызға немесе "
        "e-mail поштаңызға жіберілді.",
        "If you are on the roll, a code has been sent to your registered phone or e-mail.",
    ),
    "voter.signin.bad_id": (
        "Проверьте номер: он должен состоять из букв и цифр.",
        "Нөмірді тексеріңіз: ол әріптер мен сандардан тұруы керек.",
        "Check the number: it is made of letters and digits.",
    ),
    "voter.signin.not_open": (
        "Сейчас голосование не идёт, поэтому войти нельзя.",
        "Қазір дауыс беру жүріп жатқан жоқ, сондықтан кіру мүмкін емес.",
        "Voting is not open now, so you cannot sign in.",
    ),
    "voter.never_ask": (
        "Никто от имени выборов никогда не попросит у вас код из SMS или письма.",
        "Сайлау атынан ешкім сізден SMS немесе хаттағы кодты ешқашан сұрамайды.",
        "Nobody from the election will ever ask you for the code in the SMS or e-mail.",
    ),
    # -- the code --------------------------------------------------------------------------
    "voter.code.title": ("Введите код", "Кодты енгізіңіз", "Enter your code"),
    "voter.code.label": (
        "Код из SMS или письма (6 цифр)",
        "SMS немесе хаттағы код (6 сан)",
        "Code from the SMS or e-mail (6 digits)",
    ),
    "voter.code.submit": ("Войти", "Кіру", "Sign in"),
    "voter.code.again": (
        "Код не пришёл? Запросить новый",
        "Код келмеді ме? Жаңасын сұрау",
        "No code? Ask for a new one",
    ),
    "voter.code.wrong": (
        "Код неверный или устарел. Попробуйте ещё раз или запросите новый.",
        "Код қате немесе ескірген. Қайталап көріңіз немесе жаңасын сұраңыз.",
        "The code is wrong or has expired. Try again or ask for a new one.",
    ),
    "voter.code.format": (
        "Код состоит из 6 цифр.",
        "Код 6 саннан тұрады.",
        "The code has 6 digits.",
    ),
    "voter.code.new": ("Получить новый код", "Жаңа код алу", "Send me a new code"),
    "voter.code.resent": (
        "Если вы есть в списке избирателей, новый код отправлен на тот же телефон или "
        "e-mail. Прежний код больше не действует.",
        "Егер сіз сайлаушылар тізімінде болсаңыз, жаңа код сол телефонға немесе e-mail-ға "
        "жіберілді. Бұрынғы код енді жарамсыз.",
        "If you are on the roll, a new code was sent to the same phone or e-mail. The "
        "earlier code no longer works.",
    ),
    "voter.code.timed_out": (
        "Время входа истекло: введите номер ещё раз.",
        "Кіру уақыты өтіп кетті: нөміріңізді қайта енгізіңіз.",
        "Your sign-in has timed out: enter your ID number again.",
    ),
    # -- the vote page ---------------------------------------------------------------------
    "voter.vote.title": ("Ваш бюллетень", "Сіздің бюллетеніңіз", "Your ballot"),
    "voter.signed_in_as": ("Вы вошли как", "Сіз кірдіңіз:", "Signed in as"),
    "voter.signout": ("Выйти", "Шығу", "Sign out"),
    "voter.fingerprint": ("Отпечаток выборов", "Сайлаудың саусақ ізі", "Election fingerprint"),
    "voter.fingerprint.help": (
        "Сравните его с отпечатком, который публикуют наблюдатели: так вы убедитесь, что "
        "голосуете в тех же выборах, что и все.",
        "Оны бақылаушылар жариялайтын саусақ ізімен салыстырыңыз: осылай барлығымен бірдей "
        "сайлауда дауыс беріп жатқаныңызға көз жеткізесіз.",
        "Compare it with the fingerprint observers publish: it shows you are voting in the "
        "same election as everyone else.",
    ),
    "voter.fingerprint.bad": (
        "Данные выборов не сходятся с их отпечатком. Не голосуйте и сообщите наблюдателям.",
        "Сайлау деректері олардың саусақ ізіне сәйкес келмейді. Дауыс бермеңіз және "
        "бақылаушыларға хабарлаңыз.",
        "The election data do not match their fingerprint. Do not vote; tell the observers.",
    ),
    "voter.revote": (
        "Вы можете проголосовать снова в любой момент до закрытия; учитывается только ваш "
        "последний бюллетень.",
        "Дауыс беру жабылғанға дейін кез келген уақытта қайта дауыс бере аласыз; тек соңғы "
        "бюллетеніңіз есептеледі.",
        "You can vote again at any time before the close; only your last ballot counts.",
    ),
    "voter.needs_js": (
        "Для голосования нужен JavaScript: бюллетень шифруется на вашем собственном устройстве.",
        "Дауыс беру үшін JavaScript қажет: бюллетень өз құрылғыңызда шифрланады.",
        "Voting needs JavaScript: your ballot is encrypted on your own device.",
    ),
    "voter.loading": ("Загрузка…", "Жүктелуде…", "Loading…"),
    "voter.not_open": (
        "Голосование сейчас не идёт: бюллетень подать нельзя.",
        "Дауыс беру қазір жүріп жатқан жоқ: бюллетень тапсыру мүмкін емес.",
        "Voting is not open now: no ballot can be cast.",
    ),
    # -- the ballot ------------------------------------------------------------------------
    "voter.ballot.choose_one": ("Выберите один вариант", "Бір нұсқаны таңдаңыз", "Choose one"),
    "voter.ballot.choose_up_to": (
        "Выберите не более {max}",
        "Ең көбі {max} нұсқа таңдаңыз",
        "Choose up to {max}",
    ),
    "voter.ballot.choose_range": (
        "Выберите от {min} до {max}",
        "{min}-ден {max}-ге дейін таңдаңыз",
        "Choose {min} to {max}",
    ),
    # a ranked contest (docs/ranked.md): the voter taps choices in order of preference
    "voter.ranked.rule": (
        "Расставьте до {max} вариантов по порядку предпочтения: нажимайте на них по очереди, "
        "начиная с самого предпочтительного.",
        "Ең көбі {max} нұсқаны қалауыңыздың ретімен қойыңыз: ең қалаулысынан бастап, оларды "
        "кезекпен басыңыз.",
        "Rank up to {max} in order of preference: tap them one after another, your first "
        "preference first.",
    ),
    "voter.ranked.yours": ("Ваш порядок", "Сіздің ретіңіз", "Your order"),
    "voter.ranked.empty": (
        "Пока никто не выбран.",
        "Әзірге ешкім таңдалмаған.",
        "Nobody chosen yet.",
    ),
    "voter.ranked.add": (
        "Нажмите, чтобы поставить на следующее место:",
        "Келесі орынға қою үшін басыңыз:",
        "Tap to put in the next place:",
    ),
    "voter.ranked.full": (
        "Все места заняты ({max}): уберите кого-нибудь, чтобы поставить другого.",
        "Барлық орын толды ({max}): басқасын қою үшін біреуін алып тастаңыз.",
        "Every place is taken ({max}): remove someone to put another in.",
    ),
    "voter.ranked.instead": (
        "Или вместо порядка:",
        "Немесе реттің орнына:",
        "Or instead of an order:",
    ),
    "voter.ranked.up": ("Поднять выше: {name}", "Жоғары көтеру: {name}", "Move up: {name}"),
    "voter.ranked.down": ("Опустить ниже: {name}", "Төмен түсіру: {name}", "Move down: {name}"),
    "voter.ranked.remove": ("Убрать: {name}", "Алып тастау: {name}", "Remove: {name}"),
    "voter.ranked.placed": (
        "{name} — место {place}",
        "{name} — {place}-орын",
        "{name}: place {place}",
    ),
    "voter.ranked.removed": (
        "{name} убран(а) из порядка",
        "{name} реттен алынды",
        "{name} removed from the order",
    ),
    "voter.incomplete": (
        "Сделайте выбор в разделе «{contest}».",
        "«{contest}» бөлімінде таңдау жасаңыз.",
        "Make a choice in “{contest}”.",
    ),
    "voter.encrypt": ("Зашифровать бюллетень", "Бюллетеньді шифрлау", "Encrypt my ballot"),
    "voter.encrypting": ("Шифрование…", "Шифрлануда…", "Encrypting…"),
    "voter.encrypted.title": (
        "Бюллетень зашифрован на вашем устройстве",
        "Бюллетень сіздің құрылғыңызда шифрланды",
        "Your ballot is encrypted on your device",
    ),
    "voter.tracking_code": ("Код отслеживания", "Бақылау коды", "Tracking code"),
    "voter.tracking.help": (
        "Запишите его: по нему вы найдёте свой бюллетень на публичной доске.",
        "Оны жазып алыңыз: ол арқылы бюллетеніңізді ашық тақтадан табасыз.",
        "Write it down: with it you will find your ballot on the public board.",
    ),
    "voter.cast": ("Отправить этот бюллетень", "Осы бюллетеньді тапсыру", "Cast this ballot"),
    "voter.audit": (
        "Проверить шифрование (аудит)",
        "Шифрлауды тексеру (аудит)",
        "Check the encryption (audit)",
    ),
    "voter.audit.help": (
        "Аудит раскрывает этот зашифрованный бюллетень, чтобы вы убедились, что устройство "
        "зашифровало именно ваш выбор. Проверенный бюллетень никогда не учитывается; после "
        "проверки вы выберете снова.",
        "Аудит осы шифрланған бюллетеньді ашады, сонда құрылғы дәл сіздің таңдауыңызды "
        "шифрлағанына көз жеткізесіз. Тексерілген бюллетень ешқашан есептелмейді; "
        "тексеруден кейін қайта таңдайсыз.",
        "An audit opens this encrypted ballot so you can see that your device encrypted "
        "exactly your choice. An audited ballot never counts; afterwards you choose again.",
    ),
    "voter.change": ("Изменить выбор", "Таңдауды өзгерту", "Change my choice"),
    "voter.casting": ("Отправка…", "Жіберілуде…", "Sending…"),
    "voter.audit.title": ("Результат проверки", "Тексеру нәтижесі", "Audit result"),
    "voter.audit.compare": (
        "Сервер раскрыл этот бюллетень и нашёл в нём следующее. Сравните со своим выбором:",
        "Сервер осы бюллетеньді ашып, ішінен мынаны тапты. Өз таңдауыңызбен салыстырыңыз:",
        "The server opened this ballot and found these choices. Compare them with yours:",
    ),
    "voter.audit.match": (
        "Совпадает с тем, что вы выбрали на этом устройстве.",
        "Осы құрылғыда таңдағаныңызбен сәйкес келеді.",
        "This matches what you chose on this device.",
    ),
    "voter.audit.mismatch": (
        "НЕ совпадает с вашим выбором! Не голосуйте с этого устройства и сообщите наблюдателям.",
        "Сіздің таңдауыңызбен сәйкес КЕЛМЕЙДІ! Бұл құрылғыдан дауыс бермеңіз және "
        "бақылаушыларға хабарлаңыз.",
        "This does NOT match your choice! Do not vote from this device; tell the observers.",
    ),
    "voter.audit.failed": (
        "Проверка не удалась, но этот бюллетень уже раскрыт и подан быть не может. "
        "Выберите снова: будет сделано новое шифрование.",
        "Тексеру сәтсіз аяқталды, бірақ бұл бюллетень ашылып қойды және тапсырыла алмайды. "
        "Қайта таңдаңыз: жаңа шифрлау жасалады.",
        "The audit failed, but this ballot has been opened and can never be cast. Choose "
        "again: a fresh encryption will be made.",
    ),
    "voter.audit.spoiled": (
        "Этот бюллетень никогда не может быть подан. При закрытии голосования он появится "
        "на публичной доске под своим кодом отслеживания с пометкой «проверен», без вашего "
        "ключа, а его вскрытие (выбранные варианты и случайные числа шифрования) войдёт в "
        "протокол выборов: любой может скачать протокол и проверкой honestballot verify "
        "убедиться, что бюллетень вскрывается именно в эти варианты. Выберите снова: будет "
        "сделано новое шифрование.",
        "Бұл бюллетень ешқашан тапсырыла алмайды. Дауыс беру жабылғанда ол ашық тақтада "
        "өзінің бақылау кодымен «тексерілді» белгісімен, сіздің кілтіңізсіз шығады, ал оның "
        "ашылуы (таңдалған нұсқалар мен шифрлаудың кездейсоқ сандары) сайлау хаттамасына "
        "енеді: кез келген адам хаттаманы жүктеп алып, honestballot verify тексеруімен "
        "бюллетеннің дәл осы нұсқаларға ашылатынына көз жеткізе алады. Қайта таңдаңыз: жаңа "
        "шифрлау жасалады.",
        "This ballot can never be cast. When voting closes it goes on the public board "
        "under its tracking code, marked audited, without your credential, and its opening "
        "(the choices and the encryption's random numbers) goes into the election record: "
        "anyone can download the record and check with honestballot verify that the ballot "
        "opens to exactly these choices. Choose again: a fresh encryption will be made.",
    ),
    "voter.error.receipt_mismatch": (
        "Сервер ответил квитанцией другого бюллетеня. Ваш бюллетень мог быть не принят: не "
        "уходите с этой страницы и сообщите наблюдателям.",
        "Сервер басқа бюллетеннің түбіртегімен жауап берді. Бюллетеніңіз қабылданбаған болуы "
        "мүмкін: бұл беттен кетпеңіз және бақылаушыларға хабарлаңыз.",
        "The server answered with another ballot's receipt. Your ballot may not have been "
        "accepted: stay on this page and tell the observers.",
    ),
    "voter.error.network": (
        "Нет связи с сервером. Попробуйте ещё раз.",
        "Сервермен байланыс жоқ. Қайталап көріңіз.",
        "Could not reach the server. Try again.",
    ),
    "voter.error.session": (
        "Сеанс закончился: войдите снова.",
        "Сеанс аяқталды: қайта кіріңіз.",
        "Your session has ended: sign in again.",
    ),
    # -- re-voting protection (docs/coercion.md §2.4, §2.5, §3) -------------------------
    "voter.letter.title": (
        "Код активации из письма",
        "Хаттағы белсендіру коды",
        "The activation code from your letter",
    ),
    "voter.letter.intro": (
        "В этих выборах есть защита повторного голосования. В этом браузере ещё нет вашего "
        "ключа: введите код активации из письма, которое вам прислали по почте (он "
        "начинается с HBL-). Браузер создаст ключ и зарегистрирует его; код активации он "
        "не сохраняет.",
        "Бұл сайлауда қайта дауыс беруді қорғау бар. Бұл браузерде әлі сіздің кілтіңіз жоқ: "
        "поштамен келген хаттағы белсендіру кодын енгізіңіз (ол HBL- деп басталады). "
        "Браузер кілт жасап, оны тіркейді; белсендіру кодын ол сақтамайды.",
        "This election has re-voting protection. This browser does not hold your credential "
        "yet: type the activation code from the letter you were sent by post (it starts "
        "with HBL-). The browser makes a credential and registers it; it does not keep the "
        "activation code.",
    ),
    "voter.letter.label": ("Код активации", "Белсендіру коды", "Activation code"),
    "voter.letter.register": (
        "Создать и зарегистрировать ключ",
        "Кілт жасап, тіркеу",
        "Make and register a credential",
    ),
    "voter.letter.registering": (
        "Регистрируем ключ…",
        "Кілт тіркелуде…",
        "Registering the credential…",
    ),
    "voter.letter.bad_code": (
        "Код активации не распознан: проверьте, нет ли опечатки (он начинается с HBL-).",
        "Белсендіру коды танылмады: қате терілмегенін тексеріңіз (ол HBL- деп басталады).",
        "The activation code is not valid: check it for typos (it starts with HBL-).",
    ),
    "voter.letter.bad_commitment": (
        "Ответ сервиса не прошёл проверку на этом устройстве. Не голосуйте и сообщите "
        "наблюдателям.",
        "Сервистің жауабы осы құрылғыда тексеруден өтпеді. Дауыс бермеңіз және "
        "бақылаушыларға хабарлаңыз.",
        "The service's answer failed the check on this device. Do not vote; tell the observers.",
    ),
    "voter.seedcode.title": (
        "Или код ключа, который вы сохранили",
        "Немесе сақтаған кілтіңіздің коды",
        "Or the credential code you kept",
    ),
    "voter.seedcode.intro": (
        "Если вы записали код своего ключа (он начинается с HB2-), введите его здесь, чтобы "
        "голосовать с этим ключом на этом устройстве без новой регистрации. Браузер проверяет "
        "его здесь и никуда не отправляет. Бюллетень с этим ключом учитывается, только если "
        "его не заменил более новый ключ (его заменяет регистрация на другом устройстве или "
        "голосование с новым ключом).",
        "Егер кілтіңіздің кодын жазып алсаңыз (ол HB2- деп басталады), осы құрылғыда қайта "
        "тіркелмей сол кілтпен дауыс беру үшін оны осында енгізіңіз. Код осында тексеріледі "
        "және ешқайда жіберілмейді. Бұл кілтпен берілген бюллетень оны жаңарақ кілт "
        "алмастырмаса ғана есептеледі (оны басқа құрылғыдағы тіркеу немесе жаңа кілтпен "
        "дауыс беру алмастырады).",
        "If you wrote down your credential's code (it starts with HB2-), type it here to "
        "vote with that credential on this device without registering again. The code is "
        "checked here and never sent. A ballot under it counts only if no newer credential "
        "has replaced it (a registration on another device or a vote with a new credential "
        "does).",
    ),
    "voter.seedcode.label": ("Код ключа", "Кілт коды", "Credential code"),
    "voter.seedcode.use": (
        "Голосовать с этим ключом",
        "Осы кілтпен дауыс беру",
        "Vote with this credential",
    ),
    "voter.seedcode.bad_code": (
        "Код ключа не распознан: проверьте, нет ли опечатки (он начинается с HB2-).",
        "Кілт коды танылмады: қате терілмегенін тексеріңіз (ол HB2- деп басталады).",
        "The credential code is not valid: check it for typos (it starts with HB2-).",
    ),
    "voter.seedcode.not_registered": (
        "Ключ с этим кодом не зарегистрирован для вас в этих выборах, и бюллетень не принят. "
        "Проверьте, что вы ввели код, сохранённый для этих выборов, или зарегистрируйте ключ "
        "по коду активации из письма. Ваш выбор сохранён.",
        "Бұл кодтағы кілт осы сайлауда сіз үшін тіркелмеген, бюллетень қабылданбады. Осы "
        "сайлау үшін сақтаған кодты енгізгеніңізді тексеріңіз немесе хаттағы белсендіру "
        "кодымен кілт тіркеңіз. Таңдауыңыз сақталды.",
        "The credential of this code is not registered for you in this election, and the "
        "ballot was not accepted. Check that you typed the code you kept for this election, "
        "or register with the activation code from your letter. Your choices are kept.",
    ),
    "voter.seedcode.kept_since": (
        "После того как вы ввели код, это устройство сохранило другой ключ (в другой "
        "вкладке или окне). Бюллетень не подан. Обновите страницу, чтобы голосовать с "
        "ключом, который хранит устройство.",
        "Кодты енгізгеннен кейін бұл құрылғы басқа кілтті сақтады (басқа қойындыда немесе "
        "терезеде). Бюллетень берілмеді. Құрылғы сақтаған кілтпен дауыс беру үшін бетті "
        "жаңартыңыз.",
        "Since you typed the code, this device has kept another credential (in another tab "
        "or window). The ballot was not cast. Reload the page to vote with the credential "
        "this device keeps.",
    ),
    "voter.cred2.title": (
        "Ваш ключ зарегистрирован",
        "Кілтіңіз тіркелді",
        "Your credential is registered",
    ),
    "voter.cred2.code": (
        "Код вашего ключа (его можно записать; он показывается один раз):",
        "Кілтіңіздің коды (оны жазып алуға болады; ол бір рет көрсетіледі):",
        "Your credential's code (you may write it down; it is shown once):",
    ),
    "voter.cred2.registration": (
        "Код отслеживания регистрации",
        "Тіркеудің бақылау коды",
        "The registration's tracking code",
    ),
    "voter.cred2.stored": (
        "Этот браузер хранит ключ, чтобы вы могли голосовать с него снова; выход из системы "
        "удаляет ключ из браузера. На другом устройстве можно ввести этот код и голосовать с "
        "этим ключом или зарегистрировать новый ключ с тем же письмом — он заменит этот.",
        "Бұл браузер қайта дауыс бере алуыңыз үшін кілтті сақтайды; жүйеден шығу кілтті "
        "браузерден өшіреді. Басқа құрылғыда осы кодты енгізіп, осы кілтпен дауыс беруге "
        "немесе сол хатпен жаңа кілт тіркеуге болады — ол осы кілтті алмастырады.",
        "This browser keeps the credential so that you can vote again from it; signing out "
        "removes it from this browser. On another device you can type this code to vote "
        "with this credential, or register a new credential with the same letter, which "
        "replaces this one.",
    ),
    "voter.cred2.continue": ("Перейти к бюллетеню", "Бюллетеньге өту", "Go to the ballot"),
    "voter.newcred.button": (
        "Проголосовать с новым ключом",
        "Жаңа кілтпен дауыс беру",
        "Vote with a new credential",
    ),
    "voter.newcred.advice": (
        "Если вы хоть раз голосовали с новым ключом, всегда голосуйте только так: бюллетень, "
        "поданный обычным способом, уйдёт со старым ключом и не будет учтён.",
        "Егер сіз бір рет болса да жаңа кілтпен дауыс берсеңіз, әрдайым тек осылай дауыс "
        "беріңіз: әдеттегідей тапсырылған бюллетень ескі кілтпен кетеді және есептелмейді.",
        "If you have ever voted with a new credential, always vote that way: a ballot cast "
        "the usual way goes under the old credential and does not count.",
    ),
    "voter.newcred.intro": (
        "Введите код активации из письма. Браузер зарегистрирует новый ключ, подаст с ним "
        "выбранный вами бюллетень, покажет его код отслеживания один раз и затем забудет "
        "новый ключ, квитанцию и код активации.",
        "Хаттағы белсендіру кодын енгізіңіз. Браузер жаңа кілт тіркеп, сіз таңдаған "
        "бюллетеньді онымен тапсырады, оның бақылау кодын бір рет көрсетеді, содан кейін "
        "жаңа кілтті, түбіртекті және белсендіру кодын ұмытады.",
        "Type the activation code from your letter. The browser registers a new credential, "
        "casts the ballot you chose under it, shows its tracking code once, and then forgets "
        "the new credential, the receipt and the activation code.",
    ),
    "voter.newcred.cast": ("Зарегистрировать и подать", "Тіркеп, тапсыру", "Register and cast"),
    "voter.newcred.casting": (
        "Регистрируем новый ключ и подаём бюллетень…",
        "Жаңа кілт тіркеліп, бюллетень тапсырылуда…",
        "Registering the new credential and casting the ballot…",
    ),
    "voter.newcred.cancel": ("Отмена", "Бас тарту", "Cancel"),
    "voter.newcred.done": (
        "Бюллетень подан с новым ключом",
        "Бюллетень жаңа кілтпен тапсырылды",
        "The ballot was cast under a new credential",
    ),
    "voter.newcred.write": (
        "Запишите код отслеживания, чтобы проверить его позже: это устройство его не сохранит.",
        "Кейін тексеру үшін бақылау кодын жазып алыңыз: бұл құрылғы оны сақтамайды.",
        "Write the tracking code down to check it later: this device will not keep it.",
    ),
    "voter.newcred.hide": (
        "Я записал код — скрыть",
        "Кодты жазып алдым — жасыру",
        "I have written it down — hide it",
    ),
    "voter.receipt2.recorded": (
        "Сервис записал ваш бюллетень; он появится на публичной доске в ближайшем пакете по "
        "расписанию.",
        "Сервис бюллетеніңізді жазды; ол ашық тақтада кесте бойынша ең жақын топтамада "
        "пайда болады.",
        "The service has recorded your ballot; it goes on the public board in the next "
        "batch of the schedule.",
    ),
    "voter.receipt2.included": (
        "Ваш бюллетень включён в публичную доску.",
        "Бюллетеніңіз ашық тақтаға енгізілді.",
        "Your ballot is included in the public board.",
    ),
    "voter.receipt2.status": ("Статус", "Күйі", "Status"),
    "voter.receipt2.status_recorded": ("записан", "жазылды", "recorded"),
    "voter.receipt2.status_included": ("включён", "енгізілді", "included"),
    "voter.receipt2.status_audited": ("проверен (аудит)", "тексерілді (аудит)", "audited"),
    "voter.receipt2.why": (
        "Статуса «учтён» здесь нет и нигде не будет: его увидел бы любой, кто видит эту "
        "страницу, в том числе тот, кто заставляет вас голосовать, и узнал бы, голосовали ли "
        "вы снова с новым ключом. Какие бюллетени учитываются, выясняется только при "
        "закрытии, которое проводят хранители ключа.",
        "Мұнда да, басқа жерде де «есептелді» деген күй жоқ: оны осы бетті көрген кез келген "
        "адам, соның ішінде сізді дауыс беруге мәжбүрлеген адам да көріп, жаңа кілтпен "
        "қайта дауыс бергеніңізді білер еді. Қай бюллетеньдер есептелетіні тек кілт "
        "сақтаушылары өткізетін жабу кезінде анықталады.",
        "No status such as “counts” is shown, here or anywhere: anyone who sees this page, "
        "someone forcing you to vote among them, would learn from it whether you voted "
        "again with a new credential. Which ballots count is found only at the close, which "
        "the trustees run.",
    ),
    "voter.receipt2.reload": (
        "Обновите эту страницу после следующего пакета: статус станет «включён».",
        "Келесі топтамадан кейін осы бетті жаңартыңыз: күйі «енгізілді» болады.",
        "Reload this page after the next batch: the status becomes “included”.",
    ),
    # -- the receipt -----------------------------------------------------------------------
    "voter.receipt.title": ("Квитанция", "Түбіртек", "Receipt"),
    "voter.receipt.audited": (
        "Это проверенный (аудит) бюллетень: он опубликован и никогда не учитывается.",
        "Бұл тексерілген (аудит) бюллетень: ол жарияланған және ешқашан есептелмейді.",
        "This is an audited ballot: it is published and never counts.",
    ),
    "voter.receipt.entry": ("Номер записи на доске", "Тақтадағы жазба нөмірі", "Board entry"),
    "voter.receipt.checking": (
        "Проверяем в вашем браузере…",
        "Браузеріңізде тексеріп жатырмыз…",
        "Checking in your browser…",
    ),
    "voter.receipt.verified": (
        "Включён в доску: вершина дерева размера {size} подписана ключом доски ✓",
        "Тақтаға енгізілген: өлшемі {size} ағаштың төбесіне тақта кілтімен қол қойылған ✓",
        "Included in the board: tree head of size {size} signed by the board key ✓",
    ),
    "voter.receipt.witnessed": (
        "Включён в доску: вершина дерева размера {size} подписана ключом доски и заверена "
        "подписями независимых свидетелей: {count} (требуется не менее {quorum}) ✓",
        "Тақтаға енгізілген: өлшемі {size} ағаштың төбесіне тақта кілтімен қол қойылған және "
        "оны тәуелсіз куәгерлер қолтаңбаларымен растаған: {count} (кемінде {quorum} қажет) ✓",
        "Included in the board: tree head of size {size} signed by the board key and "
        "co-signed by {count} independent witnesses (at least {quorum} required) ✓",
    ),
    "voter.receipt.pending": (
        "Бюллетень записан; ждём следующую подписанную вершину журнала, которая его "
        "включит (и подписи свидетелей, если они есть у этих выборов)…",
        "Бюллетень жазылды; оны қамтитын журналдың келесі қол қойылған төбесін (және бұл "
        "сайлауда куәгерлер болса, олардың қолтаңбаларын) күтудеміз…",
        "Your ballot is recorded; waiting for the next signed tree head that includes it "
        "(and for the witnesses' co-signatures, if the election has witnesses)…",
    ),
    "voter.receipt.no_quorum": (
        "вершина дерева заверена недостаточным числом свидетелей выборов: {count}, а "
        "требуется не менее {quorum}",
        "ағаш төбесіне сайлау куәгерлерінің тек {count} қолтаңбасы бар, ал кемінде {quorum} қажет",
        "the tree head is co-signed by only {count} of the election's witnesses, and at least "
        "{quorum} are required",
    ),
    "voter.receipt.failed": (
        "Проверка НЕ пройдена: {reason}. Сохраните эту страницу и сообщите наблюдателям.",
        "Тексеру ӨТПЕДІ: {reason}. Осы бетті сақтап, бақылаушыларға хабарлаңыз.",
        "The check FAILED: {reason}. Save this page and tell the observers.",
    ),
    "voter.vote_again": ("Проголосовать снова", "Қайта дауыс беру", "Vote again"),
    "voter.badge.pending": ("ожидание", "күтілуде", "pending"),
    "voter.badge.verified": ("проверено", "тексерілді", "verified"),
    "voter.badge.failed": ("ошибка", "қате", "failed"),
    "voter.receipt.bad_proof": (
        "доказательство включения в доску не сходится (подробности — во всплывающей подсказке)",
        "тақтаға енгізу дәлелі сәйкес келмейді (толығырақ — қалқымалы кеңесте)",
        "the proof of inclusion in the board does not check (details in the tooltip)",
    ),
    "voter.receipt.other_ballot": (
        "запись на доске — не ваш бюллетень",
        "тақтадағы жазба — сіздің бюллетеніңіз емес",
        "the board entry is not your ballot",
    ),
    "voter.receipt.other_election": (
        "бюллетень сделан не для этих выборов",
        "бюллетень бұл сайлау үшін жасалмаған",
        "the ballot was not made for this election",
    ),
    "voter.receipt.other_code": (
        "код отслеживания не принадлежит этому бюллетеню",
        "бақылау коды бұл бюллетеньге тиесілі емес",
        "the tracking code does not belong to this ballot",
    ),
}
