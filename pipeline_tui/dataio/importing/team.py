"""A team list (``sales_teams.csv``: agent, manager, ...) as pipeline.yaml team members.

Pure.  Owners and their managers both become members, so escalation to a
manager works from the first report; extra columns (region, office) are not
part of the team config and are ignored.
"""

from __future__ import annotations

from pipeline_tui.core.config import TeamMember
from pipeline_tui.dataio.importing.columns import SYNONYMS, normalize
from pipeline_tui.dataio.importing.table import RowProblem, Table
from pipeline_tui.i18n import _

_NAME_COLUMNS = (*SYNONYMS["owner"], "name", "member", "user")


def team_from_table(table: Table) -> tuple[dict[str, TeamMember], list[RowProblem]]:
    """name -> member (with manager and email when the table has them)."""
    problems = list(table.problems)
    by_norm = {normalize(c): c for c in table.columns}
    name_col = next((by_norm[n] for n in _NAME_COLUMNS if n in by_norm), None)
    if name_col is None and table.columns:
        looked = ", ".join(_NAME_COLUMNS)
        problems.append(
            RowProblem(
                table.source,
                None,
                _("no column with names (looked for {looked})").format(looked=looked),
            )
        )
    if name_col is None or any(p.severity == "error" for p in problems):
        return {}, problems
    manager_col = by_norm.get("manager")
    email_col = by_norm.get("email")
    members: dict[str, TeamMember] = {}
    for row in table.rows:
        name = row.cells.get(name_col, "").strip()
        if not name:
            problems.append(RowProblem(table.source, row.number, _("the name is empty"), name_col))
            continue
        manager = row.cells.get(manager_col, "").strip() if manager_col else ""
        email = row.cells.get(email_col, "").strip() if email_col else ""
        members[name] = TeamMember(name, manager or None, email or None)
    for member in list(members.values()):
        if member.manager and member.manager not in members:
            members[member.manager] = TeamMember(member.manager)
    return members, problems
