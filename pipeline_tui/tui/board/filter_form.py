"""Choose what the board shows: owner, source, tag and free text."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select

from pipeline_tui.i18n import N_, _
from pipeline_tui.tui.bindings import translate_bindings
from pipeline_tui.tui.board.filtering import BoardFilter


def _as_is(_field: str, value: str) -> str:
    return value


class FilterForm(ModalScreen[BoardFilter | None]):
    """Returns the new filter (``BoardFilter()`` to clear), or None when cancelled.

    Choices read as people read them (``display``: the config's value labels,
    官网咨询 for ``website``); the filter holds the stored value.
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", N_("Cancel"))]

    def __init__(
        self,
        current: BoardFilter,
        owners: tuple[str, ...],
        sources: tuple[str, ...],
        tags: tuple[str, ...],
        display: Callable[[str, str], str] = _as_is,
    ) -> None:
        super().__init__(classes="form-screen")
        translate_bindings(self)
        self.current = current
        self.choices = {"owner": owners, "source": sources, "tag": tags}
        self.label_of = display

    def compose(self) -> ComposeResult:
        values = {
            "owner": self.current.owner,
            "source": self.current.source,
            "tag": self.current.tag,
        }
        with Vertical(classes="dialog"):
            yield Label(_("Filter the board"), classes="heading")
            with Horizontal(classes="row"):
                yield Label(_("Text"), classes="field-label")
                yield Input(
                    self.current.text,
                    placeholder=_("title, account, contact, notes"),
                    id="text",
                    compact=True,
                )
            for name, options in self.choices.items():
                value = values[name]
                with Horizontal(classes="row"):
                    yield Label(_(name.capitalize()), classes="field-label")
                    yield Select(
                        [(self.label_of(name, o), o) for o in options],
                        value=value if value in options else Select.NULL,
                        prompt=_("any"),
                        id=name,
                        compact=True,
                    )
            with Horizontal(classes="buttons"):
                yield Button(_("Apply"), variant="primary", id="submit", compact=True)
                yield Button(_("Clear"), id="clear", compact=True)
                yield Button(_("Cancel"), id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#text", Input).focus()

    def _choice(self, name: str) -> str | None:
        select = self.query_one(f"#{name}", Select)
        return None if select.is_blank() else str(select.value)

    @on(Input.Submitted)
    @on(Button.Pressed, "#submit")
    def action_submit(self) -> None:
        self.dismiss(
            BoardFilter(
                owner=self._choice("owner"),
                source=self._choice("source"),
                tag=self._choice("tag"),
                text=self.query_one("#text", Input).value.strip(),
            )
        )

    @on(Button.Pressed, "#clear")
    def _clear(self) -> None:
        self.dismiss(BoardFilter())

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
