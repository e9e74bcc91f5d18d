"""`digonce serve`: the feeds and notices of an OUT folder over HTTP, with secret links per contractor."""

from __future__ import annotations

from pathlib import Path

import click

from models.problems import did_you_mean
from scheduler.cli.common import Failure, in_lang, say
from scheduler.publishing.files import file_part, id_of_part
from scheduler.publishing.public import normal_url, remembered
from scheduler.publishing.release import folder_in_force, read_manifest
from scheduler.serve.server import links, serve_out
from scheduler.serve.tokens import OFFICE, TokenFileError, TokenStore, trades_in
from scheduler.text import Msg


@click.command()
@click.argument("out", type=click.Path(file_okay=False))
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 for every interface (put a TLS reverse proxy in front).")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535), help="0 picks a free port.")
@click.option("--public-url", help="The address people reach this server at, used in every link, e.g. "
                                   "https://feeds.example.org (default: the one solve/replan/publish "
                                   "--public-url remembered in OUT, else http://HOST:PORT).")
@click.option("--show-links", is_flag=True, help="Print every link to hand out (with the secret ones) and exit.")
@click.option("--rotate-token", "rotate", multiple=True, metavar="TRADE",
              help="Give TRADE (or `office`, the project office) a new secret link, print it and exit; the old "
                   "link stops working at once, also in a running server. A trade whose id is `office`: "
                   "trade:office. Repeatable.")
def serve(out: str, host: str, port: int, public_url: str | None, show_links: bool, rotate: tuple[str, ...]) -> None:
    """Serve OUT's calendar feeds and notices over HTTP, for phones and calendar apps to subscribe to.

    \b
    What to give to whom (`--show-links` prints the exact links):
      residents       /feeds/building-<b>.ics and the short notice URL /b/<b> (each notice carries
                      it as a QR code when published with --public-url); public, like the notice
                      itself. The index page / lists them by building name with webcal://
                      "subscribe" links.
      each contractor /t/<token>/trade-<trade>.ics: only its own tasks and contacts, behind a secret
                      token. Send it privately; it stays valid for the whole project.
      project office  /t/<token>/all.ics and /t/<token>/gantt.html: every contractor's work and
                      phone numbers, so behind the office token too.
    A wrong or missing token gets 404, like a missing file. A leaked link: --rotate-token TRADE,
    then send the new link to that contractor only.

    \b
    Tokens are created on first start (and for trades that appear later, by --show-links) and
    kept in OUT/.serve/tokens.json, which is never served. Re-publishing into OUT (solve, replan,
    publish) while the server runs is safe: subscribers see the new plan at their next poll.
    Plain http is fine on 127.0.0.1; on a network put a TLS reverse proxy in front and pass
    --public-url https://… so the printed and index links say https.
      digonce serve out --show-links
      digonce serve out --port 8080
    Exit 0 after Ctrl-C, 2 on a missing OUT, an unknown trade or a port that cannot be opened.
    """
    folder = Path(out)
    if not (folder / "feeds").is_dir() and not (folder / "notices").is_dir():
        raise Failure(say("serve_nothing", out=out))
    if public_url and normal_url(public_url) is None:
        raise Failure(say("serve_public_url", url=public_url))
    public_url = _public_url(folder, public_url)
    base = public_url or f"http://{host}:{port}"
    try:
        for name in rotate:
            _rotate(folder, name, base, out)
        if show_links:
            for who, what, url in links(folder, base):
                click.echo(f"{in_lang(who):<20} {in_lang(what):<22} {url}")
        if rotate or show_links:
            return
        TokenStore(folder).ensure(trades_in(folder))
    except TokenFileError as exc:
        raise Failure(in_lang(exc.args[0])) from None
    except OSError as exc:
        raise Failure(say("serve_tokens_unwritable", folder=folder / ".serve", reason=exc.strerror or exc,
                          out=out)) from None
    try:
        server = serve_out(folder, host, port, public_url)
    except OSError as exc:
        raise Failure(say("serve_cannot_listen", host=host, port=port, reason=exc.strerror or exc)) from None
    click.echo(say("serving", out=out, url=server.url), err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo(say("serve_stopped"), err=True)
    finally:
        server.server_close()


def _public_url(folder: Path, given: str | None) -> str | None:
    """--public-url, else the one OUT remembers from publishing; says so when the notices in force carry QR
    codes to another address (or none), since only a new release reprints them."""
    url = normal_url(given) if given else remembered(folder)
    if given:
        printed = (read_manifest(folder_in_force(folder)) or {}).get("public_url")
        if printed != url:
            click.echo(say("serve_qr_elsewhere", printed=printed, url=url) if printed else
                       say("serve_qr_none", url=url), err=True)
    return url


def _rotate(folder: Path, name: str, base: str, out: str) -> None:
    """Give trade `name` (`trade:name` for a trade called office), or the office, a new secret link; print it."""
    office = name == OFFICE
    trade = name.removeprefix("trade:")
    part = trade if trade in trades_in(folder) else file_part(trade)
    if not office and part not in trades_in(folder):
        hint = did_you_mean(trade, trades_in(folder) + [OFFICE], "trade")
        raise Failure(say("serve_unknown_trade", name=name, out=out, hint=hint))
    TokenStore(folder).rotate(part, office=office)
    label = Msg("serve.link.office") if office else Msg("serve.link.contractor", trade=id_of_part(part) or part)
    for who, what, url in links(folder, base):
        if who == label:
            click.echo(say("serve_new_link", who=who, what=what, url=url))
