"""The old meaning of a space interceptor is refused in one line; the new block validates strictly."""

from __future__ import annotations

import copy

import pytest

from planner.errors import InputError
from planner.scenario.schema import parse_scenario
from tests.conftest import SMALL
from tests.test_cli_errors import assert_one_line_error, run_cli


@pytest.mark.parametrize("role", ["interceptor", "both"])
def test_space_interceptor_role_is_refused_in_one_line(role, write_yaml, tmp_path):
    data = copy.deepcopy(SMALL)
    data["asset_types"][3]["role"] = role
    path = write_yaml(data)
    result = run_cli("run", str(path), "--out", str(tmp_path / "out"))
    assert_one_line_error(
        result, str(path), f"asset_types[3].role = '{role}'", "space_interceptors", "sensor layer only"
    )
    assert not (tmp_path / "out").exists()


def test_space_sensor_role_still_accepted():
    sc = parse_scenario(copy.deepcopy(SMALL))
    assert sc.space_interceptors is None


def test_space_interceptors_block_validates():
    data = copy.deepcopy(SMALL)
    data["space_interceptors"] = {
        "constellations": ["45:480/24/1"],
        "search": "off",
        "launch_areas": [{"name": "a", "lon": 127, "lat": 40}],
    }
    sc = parse_scenario(data)
    assert sc.space_interceptors is not None and sc.space_interceptors.salvo_size == 1
    for bad, field in (
        ({"constellations": ["45:480/7/1"]}, "constellations"),
        ({"salvo_size": 0}, "salvo_size"),
        ({"colour": 1}, "colour"),
        ({"launch_areas": [{"name": "a", "lon": 1}]}, "launch_areas[0]"),
        ({"constellations": [], "search": "off"}, "space_interceptors"),
    ):
        d = copy.deepcopy(data)
        d["space_interceptors"].update(bad)
        with pytest.raises(InputError, match=r"space_interceptors") as err:
            parse_scenario(d, file="s.yaml")
        assert field in str(err.value)
