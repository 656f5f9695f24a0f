"""A pre-heated kernel handed to a visitor counts as active from the hand-out, not from its start: otherwise,
after a quiet spell longer than --cull-idle, the idle cull shut it down before the visitor's page connected
(seen from the installed wheel on a loaded machine: the page was left on "Kernel does not exist")."""
from __future__ import annotations

import json
import re
import time
from datetime import datetime, timezone

from _dashboard_server import get, tiny_voila


TOKEN = "pool-cull-0123456789abcdef"


def _last_activity(port: int, kernel_id: str) -> datetime:
    status, body = get(port, f"/api/kernels/{kernel_id}?token={TOKEN}")
    assert status == 200, (status, body[:200])
    return datetime.fromisoformat(json.loads(body)["last_activity"].replace("Z", "+00:00"))


def test_a_pooled_kernel_is_active_from_its_hand_out(tmp_path):
    with tiny_voila(tmp_path, TOKEN, pool_size=1, cull_idle_s=0) as (_, port):
        log = tmp_path / "voila.log"
        deadline = time.time() + 60
        while "Kernel pool of tiny.ipynb is filled" not in log.read_text():     # the pool's kernel has run the notebook
            assert time.time() < deadline, log.read_text()[-2000:]
            time.sleep(0.2)
        pooled = re.search(r"Kernel started: ([\w-]+)", log.read_text()).group(1)
        # a quiet spell: the pooled kernel's last activity stays put for 1 s (its start's messages are over)
        heated = _last_activity(port, pooled)
        while True:
            time.sleep(1)
            assert time.time() < deadline, "the pooled kernel never went quiet"
            if (again := _last_activity(port, pooled)) == heated:
                break
            heated = again
        visit = datetime.now(timezone.utc)
        status, page = get(port, f"/?token={TOKEN}")
        assert status == 200 and "naoviz-tiny-42" in page
        handed = re.search(r"Using pre-heated kernel: ([\w-]+)", log.read_text()).group(1)
        assert handed == pooled
        active = _last_activity(port, handed)
        assert active >= visit, (active, visit, heated)
