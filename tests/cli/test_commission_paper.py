"""``honestballot commission paper``'s reading of the paper roll and of the voted lines:
each mistake a commission can make is refused, naming the file and its line."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from honestballot.cli.commission import read_paper_roll, read_voted
from honestballot.cli.main import _register, cli
from honestballot.crypto.group import base_mul
from honestballot.crypto.randomness import SeededRandomness, random_nonzero_scalar
from honestballot.errors import HonestBallotError

RNG = SeededRandomness("paper roll")
HANDLES = [base_mul(random_nonzero_scalar(RNG)) for _ in range(3)]
ROLL = "line,national_id,handle\n" + "".join(
    f"{i},90010130000{i},{h.hex()}\n" for i, h in enumerate(HANDLES, 1)
)


def test_the_voted_lines_give_their_voters_handles() -> None:
    roll = read_paper_roll(ROLL.encode(), "roll.csv")
    assert read_voted(b"3\n\n 1 \n", "voted.txt", roll) == [HANDLES[2], HANDLES[0]]
    assert roll[2] == ("900101300002", HANDLES[1])


@pytest.mark.parametrize(
    ("roll", "voted", "message"),
    [
        ("national_id,handle\n", "", "roll.csv: the first line must be line,national_id,handle"),
        (ROLL + f"1,x,{HANDLES[0].hex()}\n", "", "roll.csv line 5: line 1 is there twice"),
        (ROLL + "x,1," + "00" * 32 + "\n", "", "roll.csv line 5: the line number is not"),
        (ROLL, "4\n", "voted.txt line 1: the paper roll has no line 4"),
        (ROLL, "1\n2\n1\n", "voted.txt line 3: line 1 (voter 900101300001) is listed twice"),
        (ROLL, "one\n", "voted.txt line 1: 'one' is not a line of the paper roll"),
    ],
)
def test_mistakes_are_refused_naming_the_line(roll: str, voted: str, message: str) -> None:
    with pytest.raises(HonestBallotError) as raised:
        read_voted(voted.encode(), "voted.txt", read_paper_roll(roll.encode(), "roll.csv"))
    assert message in str(raised.value)


def test_post_needs_the_server(tmp_path: Path) -> None:
    _register()
    files = {}
    for name in ("key", "roll.csv", "voted.txt", "protocol.json", "setup.json"):
        files[name] = tmp_path / name
        files[name].write_text("{}")
    result = CliRunner().invoke(
        cli,
        ["commission", "paper", "--key", str(files["key"]), "--unit", "station-1",
         "--roll", str(files["roll.csv"]), "--voted", str(files["voted.txt"]),
         "--protocol", str(files["protocol.json"]), "--setup", str(files["setup.json"]),
         "--out", str(tmp_path / "upload.json"), "--opening", str(tmp_path / "opening.json"),
         "--post"],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "--post needs --server and --election" in result.output
    assert not (tmp_path / "upload.json").exists()


@pytest.mark.parametrize(
    ("sequence", "final", "message"),
    [
        ("20", False, "upload 20 is the last the board takes of unit 'station-1': give --final"),
        ("21", True, "the board takes at most 20 paper uploads of a unit"),
    ],
)
def test_the_last_upload_the_board_takes_must_be_final(
    tmp_path: Path, sequence: str, final: bool, message: str
) -> None:
    """Upload 20 without --final would leave the station unable ever to declare its results
    final (the board takes no 21st): refused before anything is read or written."""
    _register()
    files = {}
    for name in ("key", "roll.csv", "voted.txt", "protocol.json", "setup.json"):
        files[name] = tmp_path / name
        files[name].write_text("{}")
    result = CliRunner().invoke(
        cli,
        ["commission", "paper", "--key", str(files["key"]), "--unit", "station-1",
         "--roll", str(files["roll.csv"]), "--voted", str(files["voted.txt"]),
         "--protocol", str(files["protocol.json"]), "--setup", str(files["setup.json"]),
         "--out", str(tmp_path / "upload.json"), "--opening", str(tmp_path / "opening.json"),
         "--sequence", sequence, "--previous", "00" * 32, *(["--final"] if final else [])],
    )  # fmt: skip
    assert result.exit_code != 0
    assert message in result.output + str(result.exception)
    assert not (tmp_path / "upload.json").exists() and not (tmp_path / "opening.json").exists()
