"""Is a group of voters sharing a phone, mailbox, device or code contact a family?

Households, village office landlines and office mailboxes share contacts; so do the
people an organiser enters under his own phone. What tells them apart is what an
investigator would look at (docs/audit.md, "Household plausibility"):

* **family links** between two members: one surname stem (Kazakh and Russian surnames
  change with gender: Ахметов / Ахметова, Ильин / Ильина, Ковальский / Ковальская), one
  home address, or a patronymic that is the other's given name with an age gap that fits
  a parent (15-55 years), or one patronymic and ages that fit siblings (at most 25 years
  apart) - these two only with one surname stem (or one not known), unless the child or
  sibling is a woman (who may have taken a husband's surname). Where a birth date is
  unknown the age test is passed over, not failed;
* **one community**: every member with a known home address in one locality (a village
  landline), or every member in one organisation (a reception phone), at most ten; or,
  whatever their number, a fixed line given by people of one organisation, at least half
  of them with a known address and three in four of those in one locality (a village
  office's telephone; someone who moved to town may keep the old number on the form);
  an e-mail address counts as an office's only on a domain that is not a public mail
  service (:data:`PUBLIC_MAIL`): there it is an organisation's mailbox, and colleagues
  give it (each member with a colleague among the others, at most ten: a department's
  office mailbox may serve two of its institutions); a mailbox at a public service is a
  person's, and strangers giving it, colleagues or not, are reached through that person;
* **central enrolment**: most members entered by one operator within a week;
* **joint activity** (with an activity log): three or more members signing in from one
  device, two or more of them with no family link to the others there (two people on a
  device are a pair, and a family tablet is not one person voting for strangers), or
  three or more from one address that carries few other voters (not a
  carrier NAT), unless the members there are one organisation's people at its own
  network, where colleagues outside the cluster vote too (colleagues sharing an office
  mailbox vote from the office).

Names are read surname first, as Kazakh and Russian official lists write them ("Ахметова
Динара Нурлановна"): the first of three words is the surname when the third is a
patronymic, whatever its ending (Ким, Кравченко, Шульц do not change with gender); a
roll may instead give the surname in an optional ``surname`` column. The optional
``home_address`` column is read as "locality, street and house...". When a roll has
neither birth dates, home addresses nor Kazakh/Russian surnames, no family link can be
shown and clusters are graded on the other evidence and their size.

Everything is computed only for the voters in some cluster (their ``people`` rows and
their names' ``_name_parts``), never for the whole roll.
"""

from __future__ import annotations

from collections.abc import Mapping

import duckdb

#: how the activity tables (signins, codes, casts) name a voter with no organisation
NO_ORGANISATION = "(no organisation)"

_PATRONYMIC = (
    "(ович|евич|ьевич|ич|овна|евна|ьевна|ична|инична|улы|ұлы|уулу|кызы|қызы|"
    "ovich|evich|ovna|evna|uly|kyzy)$"
)
_SURNAME = (
    "(ов|ова|ев|ева|ин|ина|ын|ына|ский|ская|цкий|цкая|ой|ая|"
    "ov|ova|ev|eva|in|ina|yn|yna|sky|skiy|skaya)$"
)
_FEMALE = "(овна|евна|ьевна|ична|инична|кызы|қызы|ovna|evna|kyzy)$"
# The gender ending dropped from a surname to give its stem (Ахметова -> ахметов).
_STEM = "(ая|ий|ой|а|aya|iy|y|a)$"

#: a family member is at most this many people in one household (larger groups are not
#: one family even when every member is linked: a dormitory, a village street)
HOUSEHOLD_MAX = 8
#: a village landline or an office mailbox serves at most this many people ...
COMMUNITY_MAX = 10
#: ... unless it is a fixed line (+7 71xx/72xx in Kazakhstan, whose mobiles are +7 70x,
#: 74x-77x; +7 3xx, 4xx, 8xx in Russia, whose mobiles are +7 9xx) given by people of one
#: organisation whose known addresses are mostly in one locality: a village office's
#: telephone, which serves the whole village
FIXED_LINE = "77[12][0-9]{8}|7[348][0-9]{9}"
#: public mail services (a mailbox there is a person's, not an organisation's): the
#: Mail.ru group, Yandex, Rambler, Google, Microsoft, Apple, Yahoo, Proton and the
#: Kazakh, Ukrainian and Belarusian national ones
PUBLIC_MAIL = (
    "mail[.]ru|bk[.]ru|list[.]ru|inbox[.]ru|internet[.]ru|mail[.]ua|"
    "yandex[.](ru|kz|by|ua|com)|ya[.]ru|narod[.]ru|rambler[.]ru|ro[.]ru|lenta[.]ru|"
    "gmail[.]com|googlemail[.]com|outlook[.]com|hotmail[.]com|live[.]com|msn[.]com|"
    "icloud[.]com|me[.]com|mac[.]com|yahoo[.]com|aol[.]com|proton[.]me|protonmail[.]com|"
    "inbox[.]kz|mail[.]kz|ukr[.]net|i[.]ua|tut[.]by"
)


def first_known(column: str) -> str:
    """SQL aggregate: ``column`` on the first roll line (of a group) that has a value.

    What ``any_value`` gives when one thread reads the roll in order, whatever the
    number of threads: an ID on several lines (``id.duplicate``) is read the same way
    on every run.
    """
    line = column.rsplit(".", 1)[0] + ".line" if "." in column else "line"
    return f"arg_min({column}, {line}) FILTER (WHERE {column} IS NOT NULL)"


def ensure_roll_voters(con: duckdb.DuckDBPyConnection) -> None:
    """View ``roll_voters``: one row per national ID on the roll, made once per connection.

    ``lines`` counts the ID's roll lines (``id.duplicate``); every other value is taken
    from the ID's first line that has one (:func:`first_known`). The checks that want a
    voter's values (the log's tables, the people in clusters, the duplicates) read this
    view instead of each grouping the roll by ID again.
    """
    # Nearly every ID is on one line, whose values are the ID's: only the IDs on several
    # lines are aggregated (table _roll_voters_dup; an aggregate of six text columns over
    # the whole roll cost twice as much as counting the lines). The others are read from
    # the roll's own lines, not copied: a copy of six text columns of every voter was a
    # quarter of the tables held in memory (164 MiB at a million voters), and at ten
    # million it pushed the other tables to disk.
    values = ("name", "surname", "birth_date", "home_address", "organisation", "operator")
    con.execute(
        f"""CREATE TEMP TABLE IF NOT EXISTS _roll_voters_dup AS
        WITH d AS MATERIALIZED (SELECT national_id, count(*) AS lines FROM roll
            GROUP BY national_id HAVING count(*) > 1)
        SELECT national_id, any_value(d.lines) AS lines,
            {", ".join(f"{first_known(v)} AS {v}" for v in values)}
            FROM roll JOIN d USING (national_id) GROUP BY national_id"""
    )
    con.execute(
        f"""CREATE TEMP VIEW IF NOT EXISTS roll_voters AS
        SELECT national_id, CAST(1 AS BIGINT) AS lines, {", ".join(values)} FROM roll
            ANTI JOIN _roll_voters_dup USING (national_id)
        UNION ALL SELECT * FROM _roll_voters_dup"""
    )


#: the columns of table ``people`` (:func:`ensure_people`), one row per national ID
PEOPLE_COLUMNS = (
    "national_id VARCHAR, sur VARCHAR, given4 VARCHAR, patr4 VARCHAR, fem BOOLEAN, bd DATE, "
    "addr VARCHAR, locality VARCHAR, organisation VARCHAR"
)


def _add_name_parts(con: duckdb.DuckDBPyConnection) -> None:
    """Table ``_name_parts``: the name parts of the names of the IDs in ``_wanted``.

    Names repeat (families, common names), so the regular expressions run once per
    distinct name and surname; :func:`ensure_people` joins each person to their name's
    row. Only the wanted voters' names are added (``roll_voters`` semi-joined to
    ``_wanted``: an ID on several lines has the name and surname :func:`first_known`
    gives it, a pair no single line may hold), and only those not already there: a
    name's parts depend on the name and surname alone, so a row made for an earlier
    call (or an earlier roll read on this connection) is still right. The table grows
    with the people in clusters, never with the whole roll: on the benchmark's roll of a
    million with its given names and patronymics shuffled between voters (684,050
    distinct names, as a real roll's are mostly distinct) a table of every name held
    70 MiB, one of the clusters' members' names 35 MiB (docs/performance.md).
    """
    con.execute(
        "CREATE TEMP TABLE IF NOT EXISTS _name_parts (name VARCHAR, surname VARCHAR, "
        "sur VARCHAR, given4 VARCHAR, patr4 VARCHAR, fem BOOLEAN)"
    )
    con.execute(
        f"""INSERT INTO _name_parts
        WITH d AS (SELECT DISTINCT v.name, v.surname FROM roll_voters v
                SEMI JOIN _wanted w USING (national_id)),
        t AS (SELECT name, surname, string_split(regexp_replace(replace(lower(trim(
            coalesce(name, ''))), 'ё', 'е'), '\\s+', ' ', 'g'), ' ') AS tok
            FROM d ANTI JOIN _name_parts n ON n.name IS NOT DISTINCT FROM d.name
                AND n.surname IS NOT DISTINCT FROM d.surname),
        u AS (SELECT *, list_filter(tok, lambda x: regexp_matches(x, '{_PATRONYMIC}'))[1]
            AS patr,
            CASE WHEN surname IS NOT NULL THEN replace(lower(trim(surname)), 'ё', 'е')
                WHEN len(tok) = 3 AND regexp_matches(tok[3], '{_PATRONYMIC}')
                    AND NOT regexp_matches(tok[1], '{_PATRONYMIC}') THEN tok[1]
                WHEN len(tok) >= 2 AND regexp_matches(tok[1], '{_SURNAME}')
                    AND NOT regexp_matches(tok[1], '{_PATRONYMIC}') THEN tok[1]
                WHEN len(tok) = 2 AND regexp_matches(tok[2], '{_SURNAME}')
                    AND NOT regexp_matches(tok[2], '{_PATRONYMIC}') THEN tok[2] END AS sur0
            FROM t)
        SELECT name, surname,
            nullif(regexp_replace(sur0, '{_STEM}', ''), '') AS sur,
            left(CASE WHEN sur0 IS NOT NULL AND tok[1] = sur0 THEN tok[2] ELSE tok[1] END, 4)
                AS given4,
            nullif(left(regexp_replace(patr, '{_PATRONYMIC}', ''), 4), '') AS patr4,
            regexp_matches(coalesce(patr, ''), '{_FEMALE}') AS fem FROM u"""
    )


def ensure_people(con: duckdb.DuckDBPyConnection, wanted: str) -> None:
    """Table ``people``: name parts, birth date and address for the IDs in ``wanted``.

    ``wanted`` is SQL giving a ``national_id`` column; rows already in ``people`` are
    kept, so every cluster check adds only its own members. ``people`` has one row per
    ID (an ID on several lines is one ``roll_voters`` row); an ID on no roll line has none.
    """
    ensure_roll_voters(con)
    con.execute(f"CREATE TEMP TABLE IF NOT EXISTS people ({PEOPLE_COLUMNS})")
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _wanted AS SELECT DISTINCT national_id
        FROM ({wanted}) x WHERE national_id IS NOT NULL
        AND national_id NOT IN (SELECT national_id FROM people)"""
    )
    _add_name_parts(con)
    # One pass: the voters' roll values stream through the join to their name parts (a
    # small table) into people; the address's two forms are a few string functions of
    # the row. (Listing the voters' distinct names and addresses first held every voter's
    # values in a table at once: at ten million voters it spilled 0.7 GiB.)
    # The inner join to _name_parts drops no voter: _add_name_parts has just added the
    # name and surname of every roll_voters row of _wanted (NULLs matched as equal, as
    # here), and rows are never removed from _name_parts.
    con.execute(
        """INSERT INTO people
        SELECT v.national_id, n.sur, n.given4, n.patr4, n.fem, v.birth_date,
            nullif(lower(trim(v.home_address)), ''),
            nullif(trim(split_part(lower(v.home_address), ',', 1)), ''), v.organisation
        FROM roll_voters v SEMI JOIN _wanted w USING (national_id)
        JOIN _name_parts n ON n.name IS NOT DISTINCT FROM v.name
            AND n.surname IS NOT DISTINCT FROM v.surname"""
    )
    con.execute("DROP TABLE _wanted")


def link_sql(a: str, b: str) -> str:
    """SQL true when people rows ``a`` and ``b`` show a family link (see the module)."""
    gap = f"date_diff('year', {b}.bd, {a}.bd)"  # how much older b is than a
    no_age = f"({a}.bd IS NULL OR {b}.bd IS NULL)"
    # A son has his father's surname; a daughter or sister may have married's.
    same_or_not_known = f"(coalesce({a}.sur = {b}.sur, TRUE))"
    return (
        f"(coalesce({a}.sur = {b}.sur, FALSE) OR coalesce({a}.addr = {b}.addr, FALSE) "
        f"OR coalesce({a}.patr4 = {b}.given4 AND ({same_or_not_known} OR {a}.fem) "
        f"AND ({no_age} OR {gap} BETWEEN 15 AND 55), FALSE) "
        f"OR coalesce({b}.patr4 = {a}.given4 AND ({same_or_not_known} OR {b}.fem) "
        f"AND ({no_age} OR -{gap} BETWEEN 15 AND 55), FALSE) "
        f"OR coalesce({a}.patr4 = {b}.patr4 AND ({same_or_not_known} OR {a}.fem OR {b}.fem) "
        f"AND ({no_age} OR abs({gap}) <= 25), FALSE))"
    )


def linked_members(con: duckdb.DuckDBPyConnection) -> None:
    """Table ``_linked``: the members (``kind, grp, national_id`` of ``_m``) with a family
    link (:func:`link_sql`) to another member of their cluster, in clusters that could be
    one household (at most :data:`HOUSEHOLD_MAX` members; larger ones are not).

    Nearly every such member shares a surname stem or a home address with another member
    (on the benchmark's synthetic roll of a million voters, all but 8,924; 601,671 are
    linked): those are counted per cluster and value, not paired, and only the others are
    paired with their cluster's members on the whole link. Pairing every member with
    every other one held the members with all their values on both sides of one join: on
    the synthetic roll of ten million voters it spilled a gigabyte.
    """
    # The window counts count rows of _m joined to people: _m has one row per member of a
    # cluster (SELECT DISTINCT) and people exactly one row per ID (ensure_people), so a
    # count of 2 or more is two members sharing the value, never one member counted twice.
    # A cluster is (kind, grp): one name may be a cluster of two kinds (a phone on the roll
    # and a code contact), and one voter may be in several clusters.
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _linked AS
        WITH small AS (SELECT m.kind, m.grp, m.national_id, p.sur, p.addr
            FROM _m m SEMI JOIN (SELECT kind, grp FROM _m GROUP BY kind, grp
                HAVING count(*) <= {HOUSEHOLD_MAX}) s USING (kind, grp)
            JOIN people p USING (national_id)),
        c AS MATERIALIZED (SELECT kind, grp, national_id,
            (sur IS NOT NULL AND count(*) OVER (PARTITION BY kind, grp, sur) >= 2)
            OR (addr IS NOT NULL AND count(*) OVER (PARTITION BY kind, grp, addr) >= 2)
                AS same FROM small),
        rest AS MATERIALIZED (SELECT kind, grp, national_id FROM c WHERE NOT same),
        pair AS (SELECT DISTINCT r.kind, r.grp, r.national_id
            FROM rest r JOIN people a USING (national_id)
            JOIN c o ON o.kind = r.kind AND o.grp = r.grp AND o.national_id <> r.national_id
            JOIN people b ON b.national_id = o.national_id WHERE {link_sql("a", "b")})
        SELECT kind, grp, national_id FROM c WHERE same UNION ALL SELECT * FROM pair"""
    )


def cluster_evidence(
    con: duckdb.DuckDBPyConnection, members: Mapping[str, tuple[str, bool]]
) -> None:
    """Per cluster: size, members with no family link, community, enrolment, activity.

    ``members`` maps the name of each table to write to SQL giving ``grp`` and
    ``national_id`` (one row per member or more) and whether to read the activity log
    (``one_device``, ``one_place``). The clusters of every kind are graded in one pass:
    one members table, one :func:`ensure_people`, one scan of the roll for the
    enrolments, one of ``signins`` for the activity; a cluster of one kind is never
    compared with another kind's.
    Each table holds ``grp, n, unrelated, one_locality, one_org, colleagues,
    village_locality, top_operator, by_operator, one_device, one_place``
    (the locality and organisation tests read the members on the roll: an ID on no roll
    line, ``activity.unknown_voter``'s case, says nothing of a family or an office;
    ``colleagues``: every member has an organisation that another member has too;
    ``village_locality``: at least half the members with a known address, three in four
    of those in one locality; ``one_device``: the most members on one device, counted when
    three or more with two or more strangers among them; ``one_place``: the most members at an
    address that carries few other voters and is not their organisation's own network).
    """
    names = list(members)
    parts = " UNION ALL ".join(
        f"SELECT {i} AS kind, grp, national_id FROM ({members[name][0]}) x{i}"
        for i, name in enumerate(names)
    )
    with_log = [i for i, name in enumerate(names) if members[name][1]]
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _m AS SELECT DISTINCT kind, grp, national_id "
        f"FROM ({parts}) x WHERE grp IS NOT NULL AND national_id IS NOT NULL"
    )
    ensure_people(con, "SELECT national_id FROM _m")
    linked_members(con)
    # Enrolment and activity matter only to clusters of three or more (a pair is low
    # whatever they show: see grade_sql), most clusters being pairs.
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _m3 AS SELECT m.* FROM _m m SEMI JOIN "
        "(SELECT kind, grp FROM _m GROUP BY kind, grp HAVING count(*) >= 3) g USING (kind, grp)"
    )
    enrol = (
        "SELECT m.kind, m.grp, r.operator, count(DISTINCT m.national_id) AS k, "
        "date_diff('day', min(r.enrolled_at), max(r.enrolled_at)) AS days "
        "FROM _m3 m JOIN roll r USING (national_id) WHERE r.operator IS NOT NULL "
        "AND r.enrolled_at IS NOT NULL GROUP BY ALL"
    )
    act = "SELECT NULL::INTEGER AS kind, NULL::VARCHAR AS grp, 0 AS one_device, 0 AS one_place "
    act += "WHERE FALSE"
    if with_log:
        # Only devices and addresses of three or more members are read (a pair never
        # counts). A device counts when three or more members share it, two or more of them with no
        # family link to the others there: two people on one device are a pair (a mother
        # and son of different surnames on the family tablet), as device.many_voters
        # grades them, and a family tablet is not one person voting for strangers. A place
        # is an address that carries few voters besides the cluster's (an organiser's
        # office or flat, not a carrier NAT or a campus), with two or more strangers among
        # the members there, and not the members' own workplace: one organisation's people
        # at an address where that organisation's voters are at least half of all and some
        # of them are not in the cluster (colleagues voting from the office they share a
        # mailbox in).
        kinds = ", ".join(str(i) for i in with_log)
        act = f"""WITH s AS (SELECT DISTINCT m.kind, m.grp, a.national_id AS voter, a.device,
                a.address, a.organisation FROM _m3 m JOIN signins a
                    ON a.national_id = m.national_id
                WHERE m.kind IN ({kinds})),
            dv AS (SELECT DISTINCT kind, grp, device AS spot, voter FROM s
                WHERE device IS NOT NULL
                QUALIFY count(*) OVER (PARTITION BY kind, grp, device) >= 3),
            pv AS (SELECT DISTINCT kind, grp, address AS spot, voter FROM s
                WHERE address IS NOT NULL
                QUALIFY count(*) OVER (PARTITION BY kind, grp, address) >= 3),
            linked AS (SELECT DISTINCT 'd' AS via, x.kind, x.grp, x.spot, x.voter FROM dv x
                    JOIN dv y ON x.kind = y.kind AND x.grp = y.grp AND x.spot = y.spot
                        AND x.voter <> y.voter
                    JOIN people a ON a.national_id = x.voter
                    JOIN people b ON b.national_id = y.voter WHERE {link_sql("a", "b")}
                UNION ALL SELECT DISTINCT 'p', x.kind, x.grp, x.spot, x.voter FROM pv x
                    JOIN pv y ON x.kind = y.kind AND x.grp = y.grp AND x.spot = y.spot
                        AND x.voter <> y.voter
                    JOIN people a ON a.national_id = x.voter
                    JOIN people b ON b.national_id = y.voter WHERE {link_sql("a", "b")}),
            dev AS (SELECT dv.kind, dv.grp, dv.spot, count(*) AS k,
                    count(*) - count(l.voter) AS strangers
                FROM dv LEFT JOIN linked l ON l.via = 'd' AND l.kind = dv.kind
                    AND l.grp = dv.grp AND l.spot = dv.spot AND l.voter = dv.voter GROUP BY ALL),
            place AS (SELECT pv.kind, pv.grp, pv.spot AS address, count(*) AS k,
                    count(*) - count(l.voter) AS strangers
                FROM pv LEFT JOIN linked l ON l.via = 'p' AND l.kind = pv.kind
                    AND l.grp = pv.grp AND l.spot = pv.spot AND l.voter = pv.voter GROUP BY ALL),
            orgs AS (SELECT kind, grp, address, count(DISTINCT organisation) AS n_orgs,
                    any_value(organisation) AS organisation FROM s
                WHERE address IS NOT NULL GROUP BY ALL),
            load AS (SELECT address, count(DISTINCT national_id) AS all_k FROM signins
                WHERE address IN (SELECT address FROM place) GROUP BY ALL),
            org_load AS (SELECT address, organisation, count(DISTINCT national_id) AS org_k
                FROM signins WHERE address IN (SELECT address FROM place) GROUP BY ALL),
            spots AS (SELECT place.*, load.all_k, coalesce(ol.org_k, 0) AS org_k,
                    orgs.n_orgs = 1 AND orgs.organisation <> '{NO_ORGANISATION}'
                        AS one_org_here
                FROM place JOIN load USING (address) JOIN orgs USING (kind, grp, address)
                LEFT JOIN org_load ol ON ol.address = place.address
                    AND ol.organisation = orgs.organisation)
            SELECT kind, grp, coalesce(max(k), 0) AS one_device, 0 AS one_place FROM dev
                WHERE k >= 3 AND strangers >= 2 GROUP BY kind, grp
            UNION ALL SELECT kind, grp, 0, max(k) FROM spots
                WHERE all_k <= 3 * k AND strangers >= 2
                AND NOT (one_org_here AND org_k > k AND 2 * org_k >= all_k) GROUP BY kind, grp"""
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _evidence AS
        WITH mp AS (SELECT m.kind, m.grp, p.national_id IS NOT NULL AS on_roll, p.locality,
                p.organisation, l.national_id IS NULL AS unlinked
            FROM _m m LEFT JOIN people p USING (national_id)
            LEFT JOIN _linked l USING (kind, grp, national_id)),
        base AS (SELECT kind, grp, count(*) AS n, count(*) FILTER (WHERE unlinked) AS unrelated,
                count(*) FILTER (WHERE on_roll) AS on_roll FROM mp GROUP BY kind, grp),
        -- members per locality and per organisation (people are on the roll: on_roll)
        loc AS (SELECT kind, grp, sum(k) AS with_locality, count(*) AS localities,
                max(k) AS top_locality FROM (SELECT kind, grp, locality, count(*) AS k FROM mp
                WHERE locality IS NOT NULL GROUP BY ALL) GROUP BY kind, grp),
        org AS (SELECT kind, grp, sum(k) AS with_org, count(*) AS orgs,
                coalesce(sum(k) FILTER (WHERE k >= 2), 0) AS with_colleague
                FROM (SELECT kind, grp, organisation, count(*) AS k FROM mp
                WHERE organisation IS NOT NULL GROUP BY ALL) GROUP BY kind, grp),
        op AS (SELECT kind, grp, max(k) AS by_operator, arg_max(operator, k) AS top_operator
            FROM ({enrol}) e WHERE days <= 7 GROUP BY kind, grp),
        ac AS (SELECT kind, grp, max(one_device) AS one_device, max(one_place) AS one_place
            FROM ({act}) a GROUP BY kind, grp),
        ev AS (SELECT base.kind, base.grp, n, unrelated, on_roll,
                coalesce(with_locality, 0) AS with_locality,
                coalesce(localities, 0) AS localities, top_locality,
                coalesce(with_org, 0) AS with_org, coalesce(orgs, 0) AS orgs,
                coalesce(with_colleague, 0) AS with_colleague, top_operator, by_operator,
                one_device, one_place
            FROM base LEFT JOIN loc USING (kind, grp) LEFT JOIN org USING (kind, grp)
            LEFT JOIN op USING (kind, grp) LEFT JOIN ac USING (kind, grp))
        SELECT kind, grp, n, unrelated,
            with_locality >= 2 AND with_locality = on_roll AND localities = 1 AS one_locality,
            on_roll >= 2 AND with_org = on_roll AND orgs = 1 AS one_org,
            with_colleague >= 2 AND with_colleague = on_roll AS colleagues,
            with_locality >= 2 AND 2 * with_locality >= n
                AND 4 * coalesce(top_locality, 0) >= 3 * with_locality AS village_locality,
            top_operator, coalesce(by_operator, 0) AS by_operator,
            coalesce(one_device, 0) AS one_device, coalesce(one_place, 0) AS one_place
        FROM ev"""
    )
    for i, name in enumerate(names):
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * EXCLUDE (kind) FROM _evidence "
            f"WHERE kind = {i}"
        )
    for table in ("_evidence", "_m", "_m3", "_linked"):
        con.execute(f"DROP TABLE {table}")


def grade_sql(kind: str) -> str:
    """SQL over a :func:`cluster_evidence` row: ``severity`` (0 none .. 3 high) and ``why``.

    ``kind`` is ``contact`` (a roll phone or e-mail, or a code contact: households and
    communities share them) or ``device`` (a device: households share it, a boss does not).
    """
    household = f"(unrelated <= 1 AND n <= {HOUSEHOLD_MAX})"
    # an e-mail address: an organisation's mailbox unless at a public mail service
    mailbox = "contains(coalesce(grp, ''), '@')"
    public = f"regexp_full_match(coalesce(grp, ''), '.*@({PUBLIC_MAIL})')"
    community = (
        f"(((one_locality OR (one_org AND NOT {public}) OR ({mailbox} AND NOT {public} "
        f"AND colleagues)) AND n <= {COMMUNITY_MAX}) OR (village_locality AND one_org "
        f"AND regexp_full_match(coalesce(grp, ''), '{FIXED_LINE}')))"
    )
    central = "(by_operator >= greatest(3, ceil(n / 2.0)))"
    joint = "(one_device >= 3 OR one_place >= 3)"
    if kind == "device":
        return f"""CASE WHEN n < 2 THEN 0 WHEN {household} THEN 1 WHEN n = 2 THEN 1
            WHEN n >= 6 OR {central} THEN 3 ELSE 2 END AS severity,
            CASE WHEN {household} THEN 'household' WHEN n = 2 THEN 'pair'
                WHEN {central} THEN 'device_central' ELSE 'device_unrelated' END AS why"""
    return f"""CASE WHEN n < 2 THEN 0 WHEN n = 2 THEN 1
            WHEN {household} THEN 1 WHEN {joint} THEN 3
            WHEN {central} THEN CASE WHEN n >= 6 THEN 3 ELSE 2 END
            WHEN {community} THEN 1 WHEN n >= 10 THEN 3 ELSE 2 END AS severity,
        CASE WHEN n = 2 THEN 'pair' WHEN {household} THEN 'household'
            WHEN {joint} THEN 'joint_activity' WHEN {central} THEN 'central_enrolment'
            WHEN {community} AND {mailbox} AND NOT {public} AND NOT one_locality
                THEN 'office_mailbox'
            WHEN {community} THEN 'community' ELSE 'unrelated' END AS why"""
