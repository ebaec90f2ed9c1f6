"""Inscriptions in bulk, set-based: a batch's items go to PostgreSQL as one text, come back as
one rendered text of results, and every check, lock, merge and event in between is SQL.

It applies the rules of `usecases/register.py` (the reference: each item as its own Inscribe)
to many items in two statements, with no Python work per item:

1. `lock`: the persons the items name, and every step of their replacement chains, are locked
   FOR SHARE in ssin order (as any writer of a person's lines does); when an item's key
   (organisation, active ssin, typeDossier) is named twice, the keys' lines are locked FOR UPDATE
   in key order, since those items' results need the lines held before them. It answers the
   source's person of each item that sent person data (compared in Python: `comparable_name`
   has no SQL twin) and whether the chains it locked are closed (a replacement committed while
   it waited adds a step: run it again).
2. `apply`: the same checks on the items (cheapest first: ssin structure, period, typeDossier,
   the source), the person-data refusals found in Python, then one INSERT … ON CONFLICT that
   merges each key's periods into its `datemultirange` (the union is PostgreSQL's), one INSERT of
   the INSCRIPTION events in item order, and each item's result written by `format()` from the
   caller's templates: the lines after that item, as if it were its own Inscribe.

Items are `n, ssin, code, b, e, pd` rows (text; `pd`: the item sent person data) from any
relation: the tab-separated text of a batch (`BATCH_ITEMS`), or a stored file's lines.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, TextClause, text

from raas.models.persons import Person
from raas.persistence.persons import person_from_row

# One item per line: ssin, typeDossier, beginDate, endDate ('' when open), '1' with person data,
# and optionally its number (else its rank) and what makes it unreadable (a file's line).
BATCH_ITEMS = """
    SELECT COALESCE(CAST(NULLIF(f[6], '') AS bigint), n) AS n, f[1] AS ssin, f[2] AS code,
           f[3] AS b, f[4] AS e, f[5] = '1' AS pd, NULLIF(f[7], '') AS problem
    FROM (SELECT n, string_to_array(line, E'\\t') AS f
          FROM string_to_table(CAST(:items AS text), E'\\n') WITH ORDINALITY AS l(line, n)
          WHERE line <> '') AS split
"""

# models/ssin.py's rule (python-stdnum's, for national-register and BIS numbers): 11 digits, a
# month of 00-12, 20-32 or 40-52, and 97 - (N mod 97) as check digits, N the first nine digits,
# with a 2 in front for the births from 2000 on (possible only up to this year).
VALID_SSIN = """
    CASE WHEN {s} ~ '^[0-9]{{11}}$' AND {s} <> '00000000000' THEN
        substr({s}, 3, 2)::int IN (0,1,2,3,4,5,6,7,8,9,10,11,12, 20,21,22,23,24,25,26,27,28,29,
                                   30,31,32, 40,41,42,43,44,45,46,47,48,49,50,51,52)
        AND (97 - substr({s}, 1, 9)::bigint % 97 = substr({s}, 10, 2)::int
             OR (substr({s}, 1, 2)::int + 2000 <= CAST(:year AS int)
                 AND 97 - ('2' || substr({s}, 1, 9))::bigint % 97 = substr({s}, 10, 2)::int))
    ELSE false END
"""

# Up to `decided`: each item's checks, cheapest first (`refusal`: a domain error's name), its
# persons locked, and the active person at the end of its replacement chain, read from the
# locked rows. A chain longer than 64 steps is taken for a loop (corrupt source data).
_DECIDED = f"""
WITH RECURSIVE
    items AS ({{items}}),
    typed AS (
        SELECT n, ssin, code, b, e, pd, problem,
               CASE WHEN problem IS NULL THEN CAST(b AS date) END AS b_day,
               CASE WHEN problem IS NULL
                    THEN CAST(NULLIF(NULLIF(e, ''), '9999-12-31') AS date) END AS e_day
        FROM items
    ),
    checked AS (
        SELECT t.*, CASE
            WHEN t.problem IS NOT NULL THEN 'Malformed'
            WHEN NOT ({VALID_SSIN.format(s="t.ssin")}) THEN 'InvalidSsin'
            WHEN t.e_day < t.b_day THEN 'InvalidData'
            WHEN t.code NOT IN (SELECT d.code FROM type_dossiers d WHERE d.cbe_number = :cbe)
                THEN 'UnknownTypeDossier'
            END AS refusal
        FROM typed t
    ),
    -- Locked in ssin order, as every writer locks persons (two writers never wait in a cycle):
    -- the persons named, then the further steps of their replacement chains (read first).
    named AS MATERIALIZED (
        SELECT p.* FROM source_persons p
        WHERE p.ssin IN (SELECT ssin FROM checked WHERE refusal IS NULL)
        ORDER BY p.ssin
        FOR SHARE
    ),
    further (cur, depth, status, next) AS (
        SELECT p.ssin, 1, p.status, p.replaced_by
        FROM named n JOIN source_persons p ON p.ssin = n.replaced_by
        WHERE n.status = 'REPLACED'
        UNION
        SELECT p.ssin, f.depth + 1, p.status, p.replaced_by
        FROM further f JOIN source_persons p ON p.ssin = f.next
        WHERE f.status = 'REPLACED' AND f.depth < 64
    ),
    successors AS MATERIALIZED (
        SELECT p.* FROM source_persons p
        WHERE p.ssin IN (SELECT cur FROM further) AND p.ssin NOT IN (SELECT ssin FROM named)
        ORDER BY p.ssin
        FOR SHARE
    ),
    locked AS (SELECT * FROM named UNION ALL SELECT * FROM successors),
    -- A replacement committed while this waited for a lock adds a step the chains lack.
    open_steps AS (
        SELECT count(*) AS steps FROM locked l
        WHERE l.status = 'REPLACED' AND l.replaced_by NOT IN (SELECT ssin FROM locked)
          AND EXISTS (SELECT FROM source_persons p WHERE p.ssin = l.replaced_by)
    ),
    chain (req, cur, depth, status, next) AS (
        SELECT l.ssin, l.ssin, 0, l.status, l.replaced_by FROM locked l
        WHERE l.ssin IN (SELECT ssin FROM checked WHERE refusal IS NULL)
        UNION ALL
        SELECT c.req, l.ssin, c.depth + 1, l.status, l.replaced_by
        FROM chain c JOIN locked l ON l.ssin = c.next
        WHERE c.status = 'REPLACED' AND c.depth < 64
    ),
    final AS (
        SELECT DISTINCT ON (req) req, cur, depth, status, next
        FROM chain ORDER BY req, depth DESC
    ),
    decided AS (
        SELECT c.*, f.cur AS active, f.status AS person_status, f.next, f.depth,
               COALESCE(c.refusal, CASE
                   WHEN f.req IS NULL OR f.status = 'REPLACED' THEN 'UnknownSsin'
                   WHEN f.status = 'CANCELED' THEN 'CanceledSsin'
               END) AS resolved_refusal
        FROM checked c LEFT JOIN final f ON f.req = c.ssin AND c.refusal IS NULL
    )
"""

# The persons of the items that sent person data, for the check in Python.
_LOCK = (
    _DECIDED
    + """
    SELECT d.n, d.pd_rank, p.*, (SELECT steps FROM open_steps) AS open_steps,
           (SELECT bool_or(depth >= 64) FROM decided) AS looped
    FROM (SELECT) AS one
    LEFT JOIN (SELECT *, count(*) FILTER (WHERE pd) OVER (ORDER BY n) AS pd_rank
               FROM decided) AS d ON d.pd AND d.resolved_refusal IS NULL
    LEFT JOIN locked p ON p.ssin = d.active
    ORDER BY d.n
    """
)

# A value a line of a file may hold (anything, when the line is malformed), for a rendering
# whose fields are quoted (CSV: `"` doubled); no change when `quote` is empty (XML).
_QUOTED = "replace({value}, CAST(:quote AS text), repeat(CAST(:quote AS text), 2))"

_APPLY = (
    _DECIDED
    + """,
    given AS (
        SELECT * FROM unnest(CAST(:refused_n AS bigint[]), CAST(:refused_as AS text[]),
                             CAST(:refused_info AS text[])) AS g(n, refusal, info)
    ),
    outcome AS (
        SELECT d.*, COALESCE(d.resolved_refusal, g.refusal) AS final_refusal, g.info AS given_info
        FROM decided d LEFT JOIN given g ON g.n = d.n
    ),
    -- Nothing is written unless the chains are closed (the caller runs the statement again).
    accepted AS (
        SELECT n, ssin, active, code, b, e, b_day, e_day,
               range_agg(daterange(b_day, e_day, '[]')) OVER running AS running,
               n = max(n) OVER same_key AS last_of_key,
               count(*) OVER same_key AS named
        FROM outcome
        WHERE final_refusal IS NULL AND (SELECT steps = 0 FROM open_steps)
        WINDOW same_key AS (PARTITION BY active, code),
               running AS (PARTITION BY active, code ORDER BY n)
    ),
    -- When a key is named twice, its items' results need the lines it held before the batch:
    -- every key's lines are then locked in key order (as the reference path does) and read.
    earlier AS MATERIALIZED (
        SELECT r.ssin, r.type_dossier, r.periods FROM register_lines r
        WHERE (SELECT bool_or(named > 1) FROM accepted) AND CAST(:write AS boolean)
          AND r.cbe_number = :cbe
          AND (r.ssin, r.type_dossier) IN (SELECT active, code FROM accepted)
        ORDER BY r.ssin, r.type_dossier
        FOR UPDATE
    ),
    stored AS (
        INSERT INTO register_lines AS r (cbe_number, ssin, type_dossier, periods)
        SELECT :cbe, active, code, range_agg(daterange(b_day, e_day, '[]'))
        FROM accepted
        WHERE (SELECT count(*) >= 0 FROM earlier)  -- locks in order: the earlier lines first
          AND CAST(:write AS boolean)
        GROUP BY active, code
        ORDER BY active, code
        ON CONFLICT (cbe_number, ssin, type_dossier)
        DO UPDATE SET periods = r.periods + excluded.periods, updated_at = now()
        RETURNING r.ssin, r.type_dossier, r.periods
    ),
    recorded AS (
        INSERT INTO events (event_date, kind, ssin, cbe_number, payload)
        SELECT CAST(:today AS date), 'INSCRIPTION', active, :cbe,
               jsonb_build_object('typeDossier', code, 'beginDate', to_char(b_day, 'YYYY-MM-DD'),
                                  'endDate', to_char(e_day, 'YYYY-MM-DD'))
               || CASE WHEN active <> ssin THEN jsonb_build_object('requestedSsin', ssin)
                       ELSE '{}' END
        FROM accepted
        WHERE CAST(:write AS boolean)
        ORDER BY n
    ),
    -- Each item's lines after it: the stored lines for the last item of a key, the lines held
    -- before the batch merged with the key's items so far for the others.
    lines AS (
        SELECT a.n, string_agg(format(CAST(:line AS text), a.active, a.code,
                                      to_char(lower(r), 'YYYY-MM-DD'),
                                      CASE WHEN upper_inf(r) THEN ''
                                           ELSE format(CAST(:end AS text),
                                                       to_char(upper(r) - 1, 'YYYY-MM-DD'))
                                      END), '' ORDER BY lower(r)) AS text
        FROM accepted a
        LEFT JOIN stored s ON a.last_of_key AND s.ssin = a.active AND s.type_dossier = a.code
        LEFT JOIN earlier e ON NOT a.last_of_key
                           AND e.ssin = a.active AND e.type_dossier = a.code,
        LATERAL unnest(CASE WHEN a.last_of_key THEN s.periods
                            ELSE COALESCE(e.periods, '{}') + a.running END) AS r
        WHERE CAST(:with_lines AS boolean)
        GROUP BY a.n
    ),
    rendered AS (
        SELECT o.n, o.active, o.ssin, o.final_refusal,
            format(CAST(:result AS text), {quoted_ssin}, {quoted_code},
                CAST(:heads AS jsonb) ->> COALESCE(o.final_refusal,
                                                   CASE WHEN o.active <> o.ssin THEN 'Replaced'
                                                        ELSE 'Done' END),
                CASE WHEN o.given_info IS NOT NULL THEN o.given_info
                ELSE CASE COALESCE(o.final_refusal,
                                   CASE WHEN o.active <> o.ssin THEN 'Replaced' END)
                    WHEN 'Malformed' THEN format(CAST(:info AS text), 'line', {quoted_problem})
                    WHEN 'InvalidSsin' THEN format(CAST(:info AS text), 'ssin', o.ssin)
                    WHEN 'InvalidData' THEN format(CAST(:info AS text), 'beginDate', o.b)
                                              || format(CAST(:info AS text), 'endDate', o.e)
                    WHEN 'UnknownTypeDossier'
                        THEN format(CAST(:info AS text), 'typeDossier', o.code)
                    WHEN 'CanceledSsin' THEN format(CAST(:info AS text), 'ssin', o.active)
                    WHEN 'UnknownSsin' THEN format(CAST(:info AS text), 'ssin', o.ssin)
                        || CASE WHEN o.person_status = 'REPLACED'
                                THEN format(CAST(:info AS text), 'replacedBy', o.next)
                                ELSE '' END
                    WHEN 'Replaced' THEN format(CAST(:info AS text), 'replacedBy', o.active)
                    ELSE ''
                END END,
                CASE WHEN l.text IS NOT NULL THEN format(CAST(:lines AS text), l.text)
                     ELSE '' END,
                o.n,
                CASE WHEN o.final_refusal IS NULL AND CAST(:write AS boolean)
                     THEN 'true' ELSE 'false' END) AS text
        FROM outcome o LEFT JOIN lines l ON l.n = o.n
    )
    SELECT string_agg(text, '' ORDER BY n) AS results,
           count(*) FILTER (WHERE final_refusal IS NULL) AS accepted,
           count(*) FILTER (WHERE final_refusal IS NOT NULL) AS refused,
           array_agg(active ORDER BY n) FILTER (WHERE final_refusal IS NULL AND active <> ssin)
               AS replaced,
           (SELECT steps FROM open_steps) AS open_steps,
           (SELECT bool_or(depth >= 64) FROM outcome) AS looped
    FROM rendered
    """
)
for _field in ("ssin", "code", "problem"):
    _APPLY = _APPLY.replace(f"{{quoted_{_field}}}", _QUOTED.format(value=f"o.{_field}"))


@dataclass(frozen=True)
class Rendering:
    """How each item's result is written (`format()` templates, `%s` in the order given).

    result: ssin, typeDossier, status head (`heads[outcome]`), information, inscriptions, the
    item's number, whether it was written (`true`/`false`; positional `%6$s` for the last two);
    information: fieldName, fieldValue; lines: the item's lines; line: ssin, typeDossier,
    beginDate, end; end: endDate. `heads` has an entry per outcome: `Done`, `Replaced` and each
    refusal, by the name of its domain error (`InvalidSsin`, `InvalidData`, `UnknownTypeDossier`,
    `UnknownSsin`, `CanceledSsin`, `PersonDataMismatch`, and `Malformed` for a file's line that
    cannot be read). The values written are digits, dates and typeDossier codes, but for a
    malformed line's ssin, typeDossier and problem, whose `quote` is doubled, and for the
    information the caller renders (`info`), which `escape` makes safe.
    """

    result: str
    heads: dict[str, str]
    information: str
    lines: str = ""
    line: str = ""
    end: str = ""
    escape: Callable[[str], str] = str
    quote: str = ""

    def info(self, name: str, value: str) -> str:
        """One `information` pair, rendered as the statement renders its own."""
        return self.information % (self.escape(name), self.escape(value))

    @property
    def with_lines(self) -> bool:
        return bool(self.lines)


@dataclass(frozen=True)
class Locked:
    """What `lock` answers: the active person of each item that sent person data, by item."""

    persons: dict[tuple[int, int], Person]  # by item and rank among those with person data
    closed: bool
    looped: bool


@dataclass(frozen=True)
class Applied:
    """What `apply` answers: the results, rendered, and the counts."""

    results: str
    accepted: int
    refused: int
    replaced: list[str]  # the active ssins of the items whose ssin was replaced, in order
    closed: bool
    looped: bool


class RegisterBulk:
    """One organisation's inscriptions in bulk, in the caller's transaction.

    `items` is the SELECT of the items (`n, ssin, code, b, e, pd`), `BATCH_ITEMS` by default.
    """

    def __init__(self, conn: Connection, items: str = BATCH_ITEMS) -> None:
        self._conn = conn
        self._lock, self._apply = _statements(items)

    def lock(self, cbe_number: str, parameters: dict[str, Any]) -> Locked:
        """Lock the items' persons; the active person of each item that sent person data."""
        rows = self._conn.execute(
            self._lock, {**parameters, "cbe": cbe_number, "year": date.today().year}
        ).all()
        persons = {(row.n, row.pd_rank): person_from_row(row) for row in rows if row.n is not None}
        first = rows[0]
        return Locked(persons, closed=not first.open_steps, looped=bool(first.looped))

    def apply(
        self,
        cbe_number: str,
        today: date,
        parameters: dict[str, Any],
        rendering: Rendering,
        refused: Sequence[tuple[int, str, str]] = (),
        write: bool = True,
    ) -> Applied:
        """Apply the items not refused (`refused`: item, refusal, rendered information): locks,
        lines, events; nothing written when `closed` is False (run it again), nor without
        `write` (the results say what the items would do)."""
        row = self._conn.execute(
            self._apply,
            {
                **parameters,
                "cbe": cbe_number,
                "year": date.today().year,
                "today": today,
                "refused_n": [r[0] for r in refused],
                "refused_as": [r[1] for r in refused],
                "refused_info": [r[2] for r in refused],
                "result": rendering.result,
                "heads": json.dumps(rendering.heads),
                "info": rendering.information,
                "with_lines": rendering.with_lines,
                "lines": rendering.lines,
                "line": rendering.line,
                "end": rendering.end,
                "quote": rendering.quote,
                "write": write,
            },
        ).one()
        return Applied(
            results=row.results or "",
            accepted=row.accepted,
            refused=row.refused,
            replaced=list(row.replaced or ()),
            closed=not row.open_steps,
            looped=bool(row.looped),
        )


@functools.cache
def _statements(items: str) -> tuple[TextClause, TextClause]:
    return text(_LOCK.replace("{items}", items)), text(_APPLY.replace("{items}", items))
