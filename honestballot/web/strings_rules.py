"""What the board's rules, the record's parsers and the service's checks say when they
refuse something a voter, organiser or observer sent, in Russian, Kazakh and English.

``msg.<key>`` is the text of ``Text("<key>", …)`` raised in ``protocol/``, ``record/``,
``crypto/`` and ``service/`` (see :mod:`honestballot.web.strings_errors` for the rest);
``{name}`` fields take the values the error names.
"""

from __future__ import annotations

#: key -> (ru, kk, en)
STRINGS: dict[str, tuple[str, str, str]] = {
    # -- the board's rules (protocol/board.py) ---------------------------------------------
    "msg.board.not_now": (
        "Сейчас это невозможно: {what} — не на этапе «{phase}».",
        "Қазір бұл мүмкін емес: {what} «{phase}» кезеңінде жасалмайды.",
        "Not possible now: {what} is not allowed in phase “{phase}”.",
    ),
    "msg.board.action.setup": (
        "создание голосования",
        "дауыс беруді құру",
        "setting up the election",
    ),
    "msg.board.action.credential": (
        "регистрация ключа голосования",
        "дауыс беру кілтін тіркеу",
        "registering a credential",
    ),
    "msg.board.action.roll": (
        "публикация сводки списка избирателей",
        "сайлаушылар тізімінің жиынтығын жариялау",
        "publishing the roll summary",
    ),
    "msg.board.action.station": (
        "публикация избирательного участка",
        "сайлау учаскесін жариялау",
        "publishing a polling station",
    ),
    "msg.board.action.paper": (
        "публикация бумажных итогов участка",
        "учаскенің қағаз қорытындыларын жариялау",
        "publishing a station's paper results",
    ),
    "msg.board.action.open": ("открытие голосования", "дауыс беруді ашу", "opening"),
    "msg.board.action.ballot": (
        "подача бюллетеня",
        "бюллетень тапсыру",
        "casting a ballot",
    ),
    "msg.board.action.audit": (
        "проверка бюллетеня",
        "бюллетеньді тексеру",
        "auditing a ballot",
    ),
    "msg.board.action.close": ("закрытие голосования", "дауыс беруді жабу", "closing"),
    "msg.board.action.mix-part": (
        "перемешивание бюллетеней вопроса",
        "сұрақ бюллетеньдерін араластыру",
        "mixing a contest's ballots",
    ),
    "msg.board.action.mix": (
        "перемешивание бюллетеней вопроса",
        "сұрақ бюллетеньдерін араластыру",
        "mixing a contest's ballots",
    ),
    "msg.board.action.tally": (
        "публикация зашифрованной суммы",
        "шифрланған қосындыны жариялау",
        "publishing the encrypted tally",
    ),
    "msg.board.action.decryption-share": (
        "публикация доли расшифровки",
        "шифрды ашу үлесін жариялау",
        "publishing a decryption share",
    ),
    "msg.board.action.result": (
        "публикация итогов",
        "қорытындыны жариялау",
        "publishing the result",
    ),
    "msg.board.not_registered": (
        "Ключ, которым подписан бюллетень, не зарегистрирован в этом голосовании.",
        "Бюллетень қол қойылған кілт бұл дауыс беруде тіркелмеген.",
        "The ballot's credential is not registered in this election.",
    ),
    "msg.board.replaced": (
        "Ключ, которым подписан бюллетень, заменён новым и больше не может голосовать.",
        "Бюллетень қол қойылған кілт жаңасымен ауыстырылған, енді онымен дауыс беруге болмайды.",
        "The ballot's credential was replaced by a newer one and can no longer vote.",
    ),
    "msg.board.unit_unknown": (
        "Округа «{unit}» в этом голосовании нет.",
        "Бұл дауыс беруде «{unit}» округі жоқ.",
        "There is no unit “{unit}” in this election.",
    ),
    "msg.board.credential_identity": (
        "Этот ключ голосования недопустим. Обновите страницу, чтобы получить новый.",
        "Бұл дауыс беру кілті жарамсыз. Жаңасын алу үшін бетті жаңартыңыз.",
        "This credential is not allowed. Reload the page to make a new one.",
    ),
    "msg.board.credential_registered": (
        "Этот ключ голосования уже зарегистрирован.",
        "Бұл дауыс беру кілті бұрын тіркелген.",
        "This credential is already registered.",
    ),
    "msg.board.replaces_inactive": (
        "Ключ, который вы заменяете, уже не действует.",
        "Сіз ауыстырып отырған кілт енді жарамсыз.",
        "The credential to replace is not an active one.",
    ),
    "msg.board.replaces_other_unit": (
        "Новый ключ голосования должен остаться в том же округе.",
        "Жаңа дауыс беру кілті сол округте қалуы керек.",
        "A replacement credential must stay in the same unit.",
    ),
    "msg.board.unit_full": (
        "В округе «{unit}» уже столько действующих ключей голосования, сколько избирателей "
        "в его списке ({voters}).",
        "«{unit}» округінде жарамды дауыс беру кілттері оның тізіміндегі сайлаушылар "
        "санына ({voters}) жетті.",
        "Unit “{unit}” already has as many active credentials as voters on its roll ({voters}).",
    ),
    "msg.board.unit_over": (
        "В округе «{unit}» {active} действующих ключей голосования, а в списке только "
        "{voters} избирателей.",
        "«{unit}» округінде {active} жарамды дауыс беру кілті бар, ал тізімде тек "
        "{voters} сайлаушы.",
        "Unit “{unit}” has {active} active credentials but only {voters} voters on the roll.",
    ),
    "msg.board.commission_key_identity": (
        "Этот ключ комиссии недопустим.",
        "Бұл комиссия кілті жарамсыз.",
        "This commission key is not allowed.",
    ),
    "msg.board.cast_audited_alphas": (
        "Этот бюллетень уже проверялся (или повторяет шифротексты проверенного, чья "
        "случайность раскрыта) и не может быть подан.",
        "Бұл бюллетень бұрын тексерілген (немесе кездейсоқтығы ашылған тексерілген "
        "бюллетеньнің шифрмәтіндерін қайталайды), оны тапсыруға болмайды.",
        "This ballot was already audited (or reuses an audited ballot's ciphertexts, whose "
        "randomness is public) and cannot be cast.",
    ),
    "msg.board.cast_audited": (
        "Этот бюллетень уже проверялся и не может быть подан.",
        "Бұл бюллетень бұрын тексерілген, оны тапсыруға болмайды.",
        "This ballot was already audited and cannot be cast.",
    ),
    "msg.board.cast_replay": (
        "Этот бюллетень уже на доске; повторно его подать нельзя.",
        "Бұл бюллетень тақтада бар; оны қайта тапсыруға болмайды.",
        "This ballot is already on the board (a replay) and cannot be cast.",
    ),
    "msg.board.cast_replaced": (
        "Этот бюллетень уже подавался и был заменён; снова подать его нельзя.",
        "Бұл бюллетень бұрын тапсырылып, ауыстырылған; оны қайта тапсыруға болмайды.",
        "This ballot was already cast and replaced and cannot be cast again.",
    ),
    "msg.board.audit_again": (
        "Этот бюллетень уже проверялся.",
        "Бұл бюллетень бұрын тексерілген.",
        "This ballot was already audited.",
    ),
    "msg.board.audit_cast": (
        "Этот бюллетень уже на доске, проверить его нельзя.",
        "Бұл бюллетень тақтада бар, оны тексеруге болмайды.",
        "This ballot is already on the board and cannot be audited.",
    ),
    "msg.board.audit_audited_alphas": (
        "Этот бюллетень повторяет шифротексты проверенного и не может быть проверен снова.",
        "Бұл бюллетень тексерілген бюллетеньнің шифрмәтіндерін қайталайды, оны қайта "
        "тексеруге болмайды.",
        "This ballot reuses the ciphertexts of an audited ballot and cannot be audited again.",
    ),
    "msg.board.audit_cast_alphas": (
        "Этот бюллетень повторяет шифротексты бюллетеня, поданного на доску, и не может "
        "быть проверен: проверка раскрыла бы выбор в том бюллетене.",
        "Бұл бюллетень тақтаға тапсырылған бюллетеньнің шифрмәтіндерін қайталайды, оны "
        "тексеруге болмайды: тексеру сол бюллетеньдегі таңдауды ашып қояр еді.",
        "This ballot reuses the ciphertexts of a ballot cast on the board and cannot be "
        "audited (its opening would publish that ballot's choices).",
    ),
    "msg.board.mix_position": (
        "Вопрос «{contest}»: следующее перемешивание — под номером {next}, а не {position}.",
        "«{contest}» сұрағы: келесі араластыру {position} емес, {next} нөмірлі.",
        "Contest “{contest}”: the next mix is at position {next}, not {position}.",
    ),
    "msg.board.mixed_already": (
        "Хранитель {trustee} уже перемешал бюллетени вопроса «{contest}».",
        "{trustee} сақтаушы «{contest}» сұрағының бюллетеньдерін бұрын араластырған.",
        "Trustee {trustee} has already mixed contest “{contest}”.",
    ),
    "msg.board.share_already": (
        "Хранитель {trustee} уже опубликовал свою долю расшифровки.",
        "{trustee} сақтаушы өзінің шифрды ашу үлесін бұрын жариялаған.",
        "Trustee {trustee} has already published a decryption share.",
    ),
    "msg.board.share_part_after_share": (
        "Хранитель {trustee} уже опубликовал свою долю расшифровки: ни одна её часть не может "
        "идти после неё.",
        "{trustee} сақтаушы өзінің шифрды ашу үлесін бұрын жариялаған: оның ешбір бөлігі "
        "одан кейін тұра алмайды.",
        "Trustee {trustee} has already published its decryption share: no part of it may "
        "follow.",
    ),
    "msg.board.mix_part_order": (
        "Части перемешивания {position} бюллетеней {contest} хранителя {trustee} в этой записи "
        "идут не по порядку: часть 0 со строки 0 начинает новую попытку (не более трёх), "
        "каждая следующая часть начинается со строки после предыдущей; это часть {index} со "
        "строки {offset}.",
        "Бұл жазбада {trustee} сақтаушының {contest} бюллетендерін {position} араластыру "
        "бөліктері ретімен тұрмаған: 0 жолдан басталатын 0 бөлік жаңа әрекетті бастайды "
        "(үштен көп емес), әр келесі бөлік алдыңғысынан кейінгі жолдан басталады; бұл "
        "{offset} жолдан басталатын {index} бөлік.",
        "Trustee {trustee}'s parts of mix {position} of contest {contest} in this record are "
        "out of order: part 0 from row 0 begins a new run (at most three), and each next part "
        "starts at the row after the one before; this is part {index} from row {offset}.",
    ),
    "msg.board.share_part_order": (
        "Части доли расшифровки хранителя {trustee} в этой записи идут не по порядку: "
        "следующей должна быть часть {next}, продолжающая его предыдущие части, а это часть "
        "{index} со строки {offset} бюллетеней {contest}.",
        "Бұл жазбада {trustee} сақтаушының шифрды ашу үлесінің бөліктері ретімен тұрмаған: "
        "келесісі оның алдыңғы бөліктерін жалғастыратын {next} бөлік болуы керек, ал бұл "
        "{contest} бюллетенінің {offset} жолынан басталатын {index} бөлік.",
        "Trustee {trustee}'s decryption share parts in this record are out of order: the next "
        "must be part {next}, continuing its parts before it, but this is part {index}, from "
        "row {offset} of contest {contest}.",
    ),
    # -- the voter's requests (service/voters/, service/security/csrf.py) ----------------
    "msg.voter.not_on_roll": (
        "Этого избирателя больше нет в списке.",
        "Бұл сайлаушы енді тізімде жоқ.",
        "This voter is no longer on the roll.",
    ),
    "msg.csrf.mismatch": (
        "Форма устарела или открыта в другом окне. Обновите страницу.",
        "Пішін ескірген немесе басқа терезеде ашылған. Бетті жаңартыңыз.",
        "The form's CSRF token does not match this visitor. Reload the page.",
    ),
    "msg.csrf.no_visitor": (
        "Не удалось проверить форму (нет cookie посетителя). Обновите страницу.",
        "Пішінді тексеру мүмкін болмады (келушінің cookie файлы жоқ). Бетті жаңартыңыз.",
        "No visitor id for the CSRF check. Reload the page.",
    ),
    # -- the board, the results and the log as observers ask for them ---------------------
    "msg.board.no_code": (
        "Бюллетеня с таким кодом отслеживания на доске нет.",
        "Мұндай бақылау коды бар бюллетень тақтада жоқ.",
        "No ballot with this tracking code is on the board.",
    ),
    "msg.board.hash_shape": (
        "Хеш отслеживания — это 64 строчных шестнадцатеричных знака.",
        "Бақылау хеші — 64 кіші он алтылық таңба.",
        "A tracking hash is 64 lower-case hex characters.",
    ),
    "msg.board.no_hash": (
        "Бюллетеня с таким хешем отслеживания на доске нет.",
        "Мұндай бақылау хеші бар бюллетень тақтада жоқ.",
        "No ballot with this tracking hash is on the board.",
    ),
    "msg.result.none": (
        "На доске ещё нет опубликованных итогов.",
        "Тақтада әлі жарияланған қорытынды жоқ.",
        "The board has no published result.",
    ),
    "msg.result.not_yet": (
        "Итогов пока нет: они появятся после закрытия голосования, когда достаточно "
        "хранителей ключа расшифруют сумму бюллетеней.",
        "Қорытынды әлі жоқ: ол дауыс беру жабылып, жеткілікті кілт сақтаушылар "
        "бюллетеньдер қосындысының шифрын ашқанда шығады.",
        "There are no results yet: they exist only after the polls close and enough "
        "trustees decrypt the sum of the ballots.",
    ),
    "msg.log.no_head": (
        "Журнал ещё не подписал ни одной вершины.",
        "Журнал әлі бірде-бір төбеге қол қойған жоқ.",
        "No tree head has been published yet.",
    ),
    # -- the organiser's and trustees' steps (service/board/election.py, reports) ---------
    "msg.board.line_too_long": (
        "Эта запись доски заняла бы {bytes} байт, а строка протокола вмещает не больше "
        "{most} (docs/record-format.md §6).",
        "Бұл тақта жазбасы {bytes} байт болар еді, ал хаттама жолына {most} байттан артық "
        "сыймайды (docs/record-format.md §6).",
        "This board entry would be a record line of {bytes} bytes; a record line holds at "
        "most {most} (docs/record-format.md §6).",
    ),
    "msg.ceremony.other_manifest": (
        "Церемония ключа проведена для другого манифеста.",
        "Кілт рәсімі басқа манифест үшін өткізілген.",
        "The key ceremony was run for another manifest.",
    ),
    "msg.ceremony.other_election": (
        "Церемония ключа проведена для голосования с другим идентификатором.",
        "Кілт рәсімі басқа идентификаторы бар дауыс беру үшін өткізілген.",
        "The key ceremony was run for another election id.",
    ),
    "msg.report.no_attachment": (
        "У сообщения № {report} нет вложения.",
        "№ {report} хабарламаның тіркемесі жоқ.",
        "Report {report} has no attachment.",
    ),
    "msg.report.no_public_attachment": (
        "У сообщения № {report} нет опубликованного вложения.",
        "№ {report} хабарламаның жарияланған тіркемесі жоқ.",
        "Report {report} has no public attachment.",
    ),
    "msg.report.already_published": (
        "Сообщение № {report} уже опубликовано.",
        "№ {report} хабарлама бұрын жарияланған.",
        "Report {report} is already published.",
    ),
    "msg.report.already_rejected": (
        "Сообщение № {report} уже отклонено.",
        "№ {report} хабарлама бұрын қабылданбаған.",
        "Report {report} is already rejected.",
    ),
    "msg.report.png_damaged": (
        "Вложение PNG повреждено.",
        "PNG тіркемесі бүлінген.",
        "The PNG attachment is damaged.",
    ),
    # -- the manifest (protocol/manifest.py, record/manifest.py) --------------------------
    "msg.manifest.id_shape.election": (
        "Идентификатор голосования «{id}» не подходит: идентификатор — от 1 до 64 знаков из "
        "a-z, 0-9, «-» и «_».",
        "«{id}» дауыс беру идентификаторы жарамсыз: идентификатор — a-z, 0-9, «-» және «_» "
        "таңбаларынан 1–64 таңба.",
        "Election id “{id}”: ids are 1-64 characters of a-z, 0-9, '-' and '_'.",
    ),
    "msg.manifest.id_shape.unit": (
        "Идентификатор округа «{id}» не подходит: идентификатор — от 1 до 64 знаков из a-z, "
        "0-9, «-» и «_».",
        "«{id}» округ идентификаторы жарамсыз: идентификатор — a-z, 0-9, «-» және «_» "
        "таңбаларынан 1–64 таңба.",
        "Unit id “{id}”: ids are 1-64 characters of a-z, 0-9, '-' and '_'.",
    ),
    "msg.manifest.id_shape.contest": (
        "Идентификатор вопроса «{id}» не подходит: идентификатор — от 1 до 64 знаков из a-z, "
        "0-9, «-» и «_».",
        "«{id}» сұрақ идентификаторы жарамсыз: идентификатор — a-z, 0-9, «-» және «_» "
        "таңбаларынан 1–64 таңба.",
        "Contest id “{id}”: ids are 1-64 characters of a-z, 0-9, '-' and '_'.",
    ),
    "msg.manifest.id_shape.option": (
        "Вопрос «{contest}»: идентификатор варианта «{id}» не подходит: идентификатор — от 1 "
        "до 64 знаков из a-z, 0-9, «-» и «_».",
        "«{contest}» сұрағы: «{id}» нұсқа идентификаторы жарамсыз: идентификатор — a-z, 0-9, "
        "«-» және «_» таңбаларынан 1–64 таңба.",
        "Contest “{contest}”: option id “{id}”: ids are 1-64 characters of a-z, 0-9, '-' and '_'.",
    ),
    "msg.manifest.duplicate.contest": (
        "Вопрос с идентификатором «{id}» указан дважды.",
        "«{id}» идентификаторы бар сұрақ екі рет көрсетілген.",
        "The contest id “{id}” appears twice.",
    ),
    "msg.manifest.duplicate.unit": (
        "Округ с идентификатором «{id}» указан дважды.",
        "«{id}» идентификаторы бар округ екі рет көрсетілген.",
        "The unit id “{id}” appears twice.",
    ),
    "msg.manifest.duplicate.option": (
        "Вопрос «{contest}»: вариант с идентификатором «{id}» указан дважды.",
        "«{contest}» сұрағы: «{id}» идентификаторы бар нұсқа екі рет көрсетілген.",
        "Contest “{contest}”: the option id “{id}” appears twice.",
    ),
    "msg.manifest.contests": (
        "В манифесте должно быть от 1 до {most} вопросов.",
        "Манифестте 1-ден {most}-ге дейін сұрақ болуы керек.",
        "A manifest has 1 to {most} contests.",
    ),
    "msg.manifest.units": (
        "В манифесте должно быть от 1 до {most} округов.",
        "Манифестте 1-ден {most}-ге дейін округ болуы керек.",
        "A manifest has 1 to {most} units.",
    ),
    "msg.manifest.min_unit_size": (
        "Минимальный размер округа (min_unit_size) — от 1 до {most}.",
        "Округтің ең аз көлемі (min_unit_size) — 1-ден {most}-ге дейін.",
        "The minimum unit size (min_unit_size) must be from 1 to {most}.",
    ),
    "msg.manifest.options": (
        "Вопрос «{contest}»: вариантов должно быть от 1 до {most}.",
        "«{contest}» сұрағы: нұсқалар саны 1-ден {most}-ге дейін болуы керек.",
        "Contest “{contest}”: 1 to {most} options.",
    ),
    "msg.manifest.reserved": (
        "Вопрос «{contest}»: идентификатор варианта «{id}» зарезервирован; используйте "
        "флаг against_all вопроса или min_selections = 0.",
        "«{contest}» сұрағы: «{id}» нұсқа идентификаторы сақталған; сұрақтың "
        "against_all белгісін немесе min_selections = 0 пайдаланыңыз.",
        "Contest “{contest}”: the option id “{id}” is reserved; use the contest's "
        "against_all flag or min_selections = 0.",
    ),
    "msg.manifest.exclusive": (
        "Вопрос «{contest}»: кандидаты не могут быть исключающими вариантами.",
        "«{contest}» сұрағы: кандидаттар басқаларын жоққа шығаратын нұсқа бола алмайды.",
        "Contest “{contest}”: candidates cannot be exclusive.",
    ),
    "msg.manifest.count": (
        "Вопрос «{contest}»: способ подсчёта (count) — один из {known}, а не «{given}».",
        "«{contest}» сұрағы: санау тәсілі (count) — {known} ішінен біреуі, «{given}» емес.",
        "Contest “{contest}”: count is one of {known}, not “{given}”.",
    ),
    "msg.manifest.min_over_max": (
        "Вопрос «{contest}»: нужно 0 ≤ min_selections ≤ max_selections.",
        "«{contest}» сұрағы: 0 ≤ min_selections ≤ max_selections болуы керек.",
        "Contest “{contest}”: need 0 ≤ min_selections ≤ max_selections.",
    ),
    "msg.manifest.max_selections": (
        "Вопрос «{contest}»: max_selections должно быть от 1 до числа вариантов.",
        "«{contest}» сұрағы: max_selections 1-ден нұсқалар санына дейін болуы керек.",
        "Contest “{contest}”: max_selections must be between 1 and the number of options.",
    ),
    "msg.manifest.contest_unknown": (
        "Вопроса «{contest}» в манифесте нет.",
        "Манифестте «{contest}» сұрағы жоқ.",
        "There is no contest “{contest}” in the manifest.",
    ),
    "msg.manifest.label_empty": (
        "{path}.{lang}: название не может быть пустым.",
        "{path}.{lang}: атау бос бола алмайды.",
        "{path}.{lang}: a label cannot be empty.",
    ),
    "msg.manifest.kind": (
        "{path}.kind: единственный вид вопроса, который указывают, — ranked.",
        "{path}.kind: көрсетілетін жалғыз сұрақ түрі — ranked.",
        "{path}.kind: the only contest kind named is ranked.",
    ),
    "msg.manifest.ranked_has_count": (
        "{path}: рейтинговый вопрос всегда перемешивается, поле count у него не указывают.",
        "{path}: рейтингтік сұрақ әрқашан араластырылады, оған count өрісі көрсетілмейді.",
        "{path}: a ranked contest is always mixed and has no count.",
    ),
    # -- JSON files and requests as the record reads them (record/codec.py) ---------------
    "msg.json.float": (
        "Дробное число {value} в протоколе недопустимо: только целые.",
        "{value} бөлшек саны хаттамада жарамсыз: тек бүтін сандар.",
        "The floating-point number {value} is not allowed in a record: integers only.",
    ),
    "msg.json.integer": (
        "Число {value} больше ±(2^53 − 1) и в протоколе недопустимо.",
        "{value} саны ±(2^53 − 1) шегінен асады, хаттамада жарамсыз.",
        "The integer {value} is beyond ±(2^53 − 1), not allowed in a record.",
    ),
    "msg.json.constant": (
        "{value} — недопустимое значение JSON.",
        "{value} — жарамсыз JSON мәні.",
        "{value} is not valid JSON.",
    ),
    "msg.json.duplicate_key": (
        "Поле «{field}» указано дважды.",
        "«{field}» өрісі екі рет көрсетілген.",
        "The field “{field}” appears twice.",
    ),
    "msg.json.too_large": (
        "Данные «{what}» занимают {bytes} байт — больше предела в {limit} байт.",
        "«{what}» деректері {bytes} байт — {limit} байт шегінен асады.",
        "The {what} is {bytes} bytes, over the {limit}-byte limit.",
    ),
    "msg.json.deep": (
        "Данные «{what}» вложены слишком глубоко.",
        "«{what}» деректері тым терең салынған.",
        "The {what} is nested too deeply.",
    ),
    "msg.json.invalid_at": (
        "Данные «{what}» — не корректный JSON (строка {line}, позиция {column}).",
        "«{what}» деректері — дұрыс JSON емес ({line}-жол, {column}-позиция).",
        "The {what} is not valid JSON (line {line}, column {column}).",
    ),
    "msg.json.invalid": (
        "Данные «{what}» — не корректный JSON в кодировке UTF-8.",
        "«{what}» деректері — UTF-8 кодтауындағы дұрыс JSON емес.",
        "The {what} is not valid JSON in UTF-8.",
    ),
    "msg.json.surrogate": (
        "Данные «{what}» содержат одиночный суррогатный знак UTF-16.",
        "«{what}» деректерінде жалғыз UTF-16 суррогат таңбасы бар.",
        "The {what} contains a lone UTF-16 surrogate.",
    ),
    "msg.json.object": (
        "{path}: здесь ожидается объект JSON.",
        "{path}: мұнда JSON нысаны күтіледі.",
        "{path}: expected an object.",
    ),
    "msg.json.missing": (
        "{path}: нет обязательного поля «{field}».",
        "{path}: міндетті «{field}» өрісі жоқ.",
        "{path}: missing field “{field}”.",
    ),
    "msg.json.string": (
        "{path}: здесь ожидается строка.",
        "{path}: мұнда жол күтіледі.",
        "{path}: expected a string.",
    ),
    "msg.json.long": (
        "{path}: длиннее {most} знаков.",
        "{path}: {most} таңбадан ұзын.",
        "{path}: longer than {most} characters.",
    ),
    "msg.json.integer_expected": (
        "{path}: здесь ожидается целое число.",
        "{path}: мұнда бүтін сан күтіледі.",
        "{path}: expected an integer.",
    ),
    "msg.json.below": (
        "{path}: {value} меньше наименьшего допустимого {least}.",
        "{path}: {value} ең аз рұқсат етілген {least} мәнінен кіші.",
        "{path}: {value} is below the minimum {least}.",
    ),
    "msg.json.above": (
        "{path}: {value} больше наибольшего допустимого {most}.",
        "{path}: {value} ең көп рұқсат етілген {most} мәнінен үлкен.",
        "{path}: {value} is above the maximum {most}.",
    ),
    "msg.json.boolean": (
        "{path}: здесь ожидается true или false.",
        "{path}: мұнда true немесе false күтіледі.",
        "{path}: expected true or false.",
    ),
    "msg.json.list": (
        "{path}: здесь ожидается список.",
        "{path}: мұнда тізім күтіледі.",
        "{path}: expected a list.",
    ),
    "msg.json.items": (
        "{path}: больше {most} элементов.",
        "{path}: {most} элементтен көп.",
        "{path}: more than {most} items.",
    ),
    "msg.json.extra": (
        "{path}: лишние поля: {fields}.",
        "{path}: артық өрістер: {fields}.",
        "{path}: unexpected field(s): {fields}.",
    ),
    "msg.json.hex": (
        "{path}: здесь ожидается шестнадцатеричная строка.",
        "{path}: мұнда он алтылық жол күтіледі.",
        "{path}: expected a hex string.",
    ),
    "msg.json.hex_shape": (
        "{path}: шестнадцатеричная строка пишется строчными 0-9a-f без пробелов.",
        "{path}: он алтылық жол бос орынсыз кіші 0-9a-f таңбаларымен жазылады.",
        "{path}: hex must be lowercase 0-9a-f with no spaces.",
    ),
    "msg.json.hex_length": (
        "{path}: ожидается {length} байт, а здесь {got}.",
        "{path}: {length} байт күтіледі, ал мұнда {got}.",
        "{path}: expected {length} bytes, got {got}.",
    ),
    "msg.json.point": (
        "{path}: это не допустимый элемент группы (открытый ключ или шифротекст).",
        "{path}: бұл топтың жарамды элементі емес (ашық кілт немесе шифрмәтін).",
        "{path}: not a valid group element (a public key or ciphertext).",
    ),
    "msg.json.scalar": (
        "{path}: это не допустимое число по модулю порядка группы.",
        "{path}: бұл топ ретінің модулі бойынша жарамды сан емес.",
        "{path}: not a valid scalar modulo the group order.",
    ),
    "msg.json.type": (
        "{path}: ожидается объект вида «{kind}», а здесь «{got}».",
        "{path}: «{kind}» түріндегі нысан күтіледі, ал мұнда «{got}».",
        "{path}: expected a “{kind}” object, got “{got}”.",
    ),
    "msg.json.version": (
        "{path}: версия {version} формата «{kind}» не поддерживается (поддерживается {supported}).",
        "{path}: «{kind}» пішімінің {version} нұсқасына қолдау жоқ (қолдау бар нұсқа: "
        "{supported}).",
        "{path}: unsupported {kind} version {version} (supported: {supported}).",
    ),
    "msg.request.field": (
        "В запросе неверно или не указано поле {field}.",
        "Сұраудағы {field} өрісі қате немесе көрсетілмеген.",
        "The request's field {field} is missing or wrong.",
    ),
    "msg.signin.request_id": (
        "Форма входа устарела. Обновите страницу.",
        "Кіру пішіні ескірген. Бетті жаңартыңыз.",
        "The sign-in form is out of date (its request id is not 22 to 64 URL-safe "
        "characters). Reload the page.",
    ),
    "msg.audit.exports_unreadable": (
        "Проверка целостности не смогла прочитать выгрузки сервиса: это ошибка сервера, "
        "сообщите её администратору.",
        "Тұтастық тексеруі қызметтің экспорттарын оқи алмады: бұл сервер қатесі, оны "
        "әкімшіге хабарлаңыз.",
        "The integrity audit could not read the service's exports: a fault of the server; "
        "tell its operator.",
    ),
    # -- a ballot the server checks (protocol/ballot.py) -----------------------------------
    "msg.ballot.other_election": (
        "Бюллетень составлен для другого голосования. Обновите страницу и заполните его заново.",
        "Бюллетень басқа дауыс беру үшін жасалған. Бетті жаңартып, оны қайта толтырыңыз.",
        "The ballot was made for another election. Reload the page and fill it in again.",
    ),
    "msg.ballot.credential_identity": (
        "Бюллетень подписан недопустимым ключом голосования. Обновите страницу.",
        "Бюллетеньге жарамсыз дауыс беру кілтімен қол қойылған. Бетті жаңартыңыз.",
        "The ballot is signed with a credential that is not allowed. Reload the page.",
    ),
    "msg.ballot.contests": (
        "Вопросы бюллетеня не совпадают с манифестом голосования. Обновите страницу и "
        "заполните бюллетень заново.",
        "Бюллетень сұрақтары дауыс беру манифесіне сәйкес келмейді. Бетті жаңартып, "
        "бюллетеньді қайта толтырыңыз.",
        "The ballot's contests do not match the election's manifest. Reload the page and "
        "fill in the ballot again.",
    ),
    "msg.ballot.proof": (
        "Доказательство в бюллетене не проходит проверку: бюллетень составлен неверно или "
        "изменён в пути. Обновите страницу и заполните бюллетень заново.",
        "Бюллетеньдегі дәлел тексеруден өтпейді: бюллетень қате жасалған немесе жолда "
        "өзгертілген. Бетті жаңартып, бюллетеньді қайта толтырыңыз.",
        "A proof in the ballot does not verify: the ballot was made wrongly or changed on "
        "its way. Reload the page and fill in the ballot again.",
    ),
    "msg.ballot.shape": (
        "Вопрос «{contest}»: бюллетень составлен неверно. Обновите страницу и заполните его "
        "заново.",
        "«{contest}» сұрағы: бюллетень қате жасалған. Бетті жаңартып, оны қайта толтырыңыз.",
        "Contest “{contest}”: the ballot is not made as the election requires. Reload the "
        "page and fill it in again.",
    ),
    "msg.ballot.opening_contests": (
        "Раскрытие для проверки охватывает не все вопросы бюллетеня.",
        "Тексеруге арналған ашу бюллетеньнің барлық сұрақтарын қамтымайды.",
        "The audit opening does not cover the ballot's contests.",
    ),
    "msg.ballot.opening_length": (
        "Вопрос «{contest}»: раскрытие для проверки неполное.",
        "«{contest}» сұрағы: тексеруге арналған ашу толық емес.",
        "Contest “{contest}”: the audit opening has the wrong length.",
    ),
    "msg.ballot.opening_mismatch": (
        "Вопрос «{contest}»: раскрытие не соответствует зашифрованному бюллетеню — устройство, "
        "составившее бюллетень, могло его исказить.",
        "«{contest}» сұрағы: ашу шифрланған бюллетеньге сәйкес келмейді — бюллетеньді "
        "жасаған құрылғы оны бұрмалаған болуы мүмкін.",
        "Contest “{contest}”: the opening does not match the ciphertext: the device that "
        "made the ballot may have altered it.",
    ),
    # -- a decryption share of version 1 (protocol/decryption.py) --------------------------
    "msg.share.trustee": (
        "Доля расшифровки хранителя {trustee}: хранителя с таким номером нет (их {n}).",
        "{trustee} сақтаушының шифрды ашу үлесі: мұндай нөмірлі сақтаушы жоқ (олар {n}).",
        "Decryption share of trustee {trustee}: there is no such trustee (there are {n}).",
    ),
    "msg.share.other_election": (
        "Доля расшифровки хранителя {trustee} сделана для другого голосования.",
        "{trustee} сақтаушының шифрды ашу үлесі басқа дауыс беру үшін жасалған.",
        "Decryption share of trustee {trustee}: it is for another election.",
    ),
    "msg.share.other_tally": (
        "Доля расшифровки хранителя {trustee} сделана для другой зашифрованной суммы: "
        "скачайте опубликованную сумму и расшифруйте её снова.",
        "{trustee} сақтаушының шифрды ашу үлесі басқа шифрланған қосынды үшін жасалған: "
        "жарияланған қосындыны жүктеп, шифрын қайта ашыңыз.",
        "Decryption share of trustee {trustee}: it is for another tally; download the "
        "published tally and decrypt it again.",
    ),
    "msg.share.entries": (
        "Доля расшифровки хранителя {trustee}: её записи не совпадают с записями суммы.",
        "{trustee} сақтаушының шифрды ашу үлесі: оның жазбалары қосынды жазбаларына сәйкес "
        "келмейді.",
        "Decryption share of trustee {trustee}: its entries do not match the tally's entries.",
    ),
    "msg.share.proof": (
        "Доля расшифровки хранителя {trustee}: доказательство для записи «{entry}» не "
        "проходит проверку. Доля не принята.",
        "{trustee} сақтаушының шифрды ашу үлесі: «{entry}» жазбасының дәлелі тексеруден "
        "өтпейді. Үлес қабылданбады.",
        "Decryption share of trustee {trustee}: the proof for entry “{entry}” does not "
        "verify. The share was not accepted.",
    ),
    "msg.share.too_few": (
        "Итоги пока не расшифровать: принятых долей расшифровки {valid}, а нужно {threshold}. "
        "Дождитесь долей остальных хранителей.",
        "Қорытындының шифрын әзірге ашу мүмкін емес: қабылданған шифрды ашу үлестері "
        "{valid}, ал {threshold} керек. Қалған сақтаушылардың үлестерін күтіңіз.",
        "The result cannot be decrypted yet: {valid} valid decryption share(s), the "
        "threshold is {threshold}. Wait for the other trustees' shares.",
    ),
}
