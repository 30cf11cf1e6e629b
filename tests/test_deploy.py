"""deploy/: the Kubernetes manifests and the compose file pass their own schemas offline
(kubernetes-validate, compose-spec through check-jsonschema), and hold what a schema cannot
see: probes, sizes, secrets only by reference, commands, selectors, the proxy's target."""

import copy
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from sqlalchemy.engine import make_url

from app.config import to_async_url

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
KUBE = DEPLOY / "kubernetes"
# The newest Kubernetes the pinned kubernetes-validate ships, and the oldest minor release
# the Kubernetes project still supports beside it (it supports the three newest).
KUBE_VERSIONS = ("1.35", "1.37")
# Measured on the issue-14 machine: one serving process ~105 MB RSS; the target is < 150 MB.
MEASURED_RSS_BYTES = 105 * 10**6
TARGET_RSS_BYTES = 150 * 10**6
SECRET_NAME = re.compile(r"SECRET|PASSWORD|TOKEN|DATABASE_URL")
APP = ["python", "-m", "app"]
COMPONENT = "app.kubernetes.io/component"
CHECK_COMPOSE = ["--builtin-schema", "vendor.compose-spec"]
Doc = dict[str, Any]


def _manifests() -> list[Doc]:
    paths = sorted(KUBE.glob("*.yaml"))
    docs = [doc for path in paths for doc in yaml.safe_load_all(path.read_text()) if doc]
    return [doc for doc in docs if doc["kind"] != "Kustomization"]


MANIFESTS = _manifests()
WORKLOADS = [doc for doc in MANIFESTS if doc["kind"] in ("Deployment", "Job", "CronJob")]
COMPOSE: Doc = yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def _name(doc: Doc) -> str:
    return f"{doc['kind']}/{doc['metadata']['name']}"


def _pod(doc: Doc) -> Doc:
    """The pod template of a Deployment, Job or CronJob."""
    spec = doc["spec"]["jobTemplate"]["spec"] if doc["kind"] == "CronJob" else doc["spec"]
    template: Doc = spec["template"]
    return template


def _containers(doc: Doc) -> list[Doc]:
    spec = _pod(doc)["spec"]
    return [*spec.get("initContainers", []), *spec["containers"]]


def _workload(component: str) -> Doc:
    (doc,) = [d for d in WORKLOADS if _pod(d)["metadata"]["labels"].get(COMPONENT) == component]
    return doc


@pytest.mark.parametrize("version", KUBE_VERSIONS)
@pytest.mark.parametrize("doc", MANIFESTS, ids=_name)
def test_manifest_validates_against_the_kubernetes_schema(doc: Doc, version: str) -> None:
    kubernetes_validate.validate(doc, version, strict=True)


def _misspell(doc: Doc) -> None:
    _containers(doc)[0]["imagePullPolice"] = "Always"


def _mistype(doc: Doc) -> None:
    doc["spec"]["replicas"] = "two"


def _drop_containers(doc: Doc) -> None:
    del _pod(doc)["spec"]["containers"]


@pytest.mark.parametrize("breaking", [_misspell, _mistype, _drop_containers])
def test_the_validator_refuses_a_broken_manifest(breaking: Callable[[Doc], None]) -> None:
    broken = copy.deepcopy(_workload("api"))
    breaking(broken)
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBE_VERSIONS[-1], strict=True)


def test_kustomization_lists_every_manifest() -> None:
    kustomization = yaml.safe_load((KUBE / "kustomization.yaml").read_text())
    files = {p.name for p in KUBE.glob("*.yaml")} - {"kustomization.yaml"}
    assert sorted(kustomization["resources"]) == sorted(files)


def _check_compose(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", *CHECK_COMPOSE, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_compose_file_validates_against_the_compose_spec() -> None:
    done = _check_compose(DEPLOY / "compose.yaml")
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_compose_spec_refuses_a_broken_compose_file(tmp_path: Path) -> None:
    broken = copy.deepcopy(COMPOSE)
    broken["services"]["worker"]["stop_grace_periood"] = "60s"
    (tmp_path / "compose.yaml").write_text(yaml.safe_dump(broken))
    done = _check_compose(tmp_path / "compose.yaml")
    assert done.returncode == 1
    assert "stop_grace_periood" in done.stdout


def test_api_probes_readiness_liveness_and_startup_on_its_port() -> None:
    (api,) = _containers(_workload("api"))
    ports = {port["name"] for port in api["ports"]} | {p["containerPort"] for p in api["ports"]}
    probes = {kind: api[f"{kind}Probe"]["httpGet"] for kind in ("readiness", "liveness", "startup")}
    assert probes["readiness"]["path"] == "/readyz"
    assert probes["liveness"]["path"] == "/healthz"
    assert probes["startup"]["path"] == "/healthz"
    assert all(probe["port"] in ports for probe in probes.values())


_UNITS = {"m": 1e-3, "": 1, "k": 1e3, "M": 1e6, "G": 1e9, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}


def _quantity(value: str | int) -> float:
    """A Kubernetes quantity: bytes for memory ("128Mi"), cores for CPU ("500m", "1")."""
    parsed = re.fullmatch(r"([0-9.]+)([a-zA-Z]*)", str(value))
    assert parsed is not None, value
    return float(parsed.group(1)) * _UNITS[parsed.group(2)]


@pytest.mark.parametrize("doc", WORKLOADS, ids=_name)
def test_every_container_has_requests_and_limits_sized_from_the_measurements(doc: Doc) -> None:
    for container in _containers(doc):
        requests, limits = container["resources"]["requests"], container["resources"]["limits"]
        for resource in ("cpu", "memory"):
            assert _quantity(requests[resource]) <= _quantity(limits[resource])
        # The scheduler reserves at least what a process was measured to hold, and the
        # limit leaves room for the whole target.
        assert _quantity(requests["memory"]) >= MEASURED_RSS_BYTES
        assert _quantity(limits["memory"]) >= TARGET_RSS_BYTES


def test_secrets_are_only_referenced_in_the_manifests() -> None:
    assert "Secret" not in {doc["kind"] for doc in MANIFESTS}
    for doc in WORKLOADS:
        for container in _containers(doc):
            for variable in container.get("env", []):
                if SECRET_NAME.search(variable["name"]):
                    assert "value" not in variable, variable["name"]
                    assert variable["valueFrom"]["secretKeyRef"]["name"] == "treatment-records"
    (config,) = [doc for doc in MANIFESTS if doc["kind"] == "ConfigMap"]
    assert not [key for key in config["data"] if SECRET_NAME.search(key)]


def test_the_compose_file_holds_no_secret_value() -> None:
    for name, service in COMPOSE["services"].items():
        for variable, value in service.get("environment", {}).items():
            if SECRET_NAME.search(variable):
                # Only the path of a mounted secret file, never the value itself.
                assert variable.endswith("_FILE"), (name, variable)
                assert value.startswith("/run/secrets/"), (name, variable)
    for secret in COMPOSE["secrets"].values():
        assert secret["file"].startswith("${TR_SECRETS_DIR:?"), secret


@pytest.mark.parametrize(
    ("component", "command"),
    [
        ("api", "serve"),
        ("migrate", "migrate"),
        ("worker", "worker"),
        ("reevaluate", "reevaluate"),
    ],
)
def test_each_workload_runs_its_command(component: str, command: str) -> None:
    (container,) = _containers(_workload(component))
    assert container["command"] == [*APP, command]


def test_the_daily_job_never_overlaps_and_runs_on_the_clinic_s_calendar() -> None:
    cron = _workload("reevaluate")
    (config,) = [doc for doc in MANIFESTS if doc["kind"] == "ConfigMap"]
    assert cron["kind"] == "CronJob"
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"
    assert cron["spec"]["timeZone"] == config["data"]["TR_RULES__CLINICAL_TIMEZONE"]


def test_the_worker_has_time_to_finish_an_in_flight_delivery() -> None:
    # A webhook POST's timeouts are tens of seconds; Kubernetes' default (30 s) is too short.
    assert _pod(_workload("worker"))["spec"]["terminationGracePeriodSeconds"] >= 60


def _image_uid() -> int:
    """The numeric user the Dockerfile's final stage runs as (ARG UID, USER app)."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    runtime = dockerfile.rsplit("\nFROM ", 1)[1]
    (user,) = re.findall(r"^USER (\S+)", runtime, re.MULTILINE)
    assert user.split(":")[0] not in ("root", "0")
    assert '--uid "${UID}"' in runtime
    return int(re.findall(r"^ARG UID=(\d+)", runtime, re.MULTILINE)[0])


@pytest.mark.parametrize("doc", WORKLOADS, ids=_name)
def test_pods_run_as_the_image_s_non_root_user_without_privileges(doc: Doc) -> None:
    pod = _pod(doc)["spec"]["securityContext"]
    assert pod["runAsNonRoot"] is True
    assert pod["runAsUser"] == _image_uid() != 0
    for container in _containers(doc):
        context = container["securityContext"]
        assert context["allowPrivilegeEscalation"] is False
        assert context["readOnlyRootFilesystem"] is True
        assert context["capabilities"]["drop"] == ["ALL"]


def _selects(selector: dict[str, str], doc: Doc) -> bool:
    labels: dict[str, str] = _pod(doc)["metadata"]["labels"]
    return selector.items() <= labels.items()


@pytest.mark.parametrize("kind", ["PodDisruptionBudget", "Service"])
def test_the_pdb_and_the_service_select_the_api_pods_and_no_other(kind: str) -> None:
    (doc,) = [d for d in MANIFESTS if d["kind"] == kind]
    selector = doc["spec"]["selector"]
    selector = selector.get("matchLabels", selector)
    assert [_name(w) for w in WORKLOADS if _selects(selector, w)] == [_name(_workload("api"))]


def test_the_migration_is_a_one_shot_job() -> None:
    job = _workload("migrate")
    assert job["kind"] == "Job"
    assert _pod(job)["spec"]["restartPolicy"] == "Never"


def test_compose_runs_two_api_replicas_after_the_migration() -> None:
    services = COMPOSE["services"]
    api = services["api"]
    assert api["deploy"]["replicas"] == 2
    assert api["command"] == [*APP, "serve"]
    assert api["environment"]["TR_HOST"] == "0.0.0.0"
    assert api["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert "/readyz" in " ".join(api["healthcheck"]["test"])
    assert services["migrate"]["command"] == [*APP, "migrate"]
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])


def test_compose_hands_the_secret_files_to_the_service_as_its_settings(tmp_path: Path) -> None:
    password, jwt_secret = "p@ss/w:rd %#?", "a-jwt-secret-of-at-least-thirty-two-bytes"
    (tmp_path / "db_password").write_text(password + "\n")
    (tmp_path / "jwt_secret").write_text(jwt_secret + "\n")
    # Compose turns $$ into $ when it reads the file; the secrets live in tmp_path here.
    prelude = [
        part.replace("$$", "$").replace("/run/secrets/", f"{tmp_path}/")
        for part in COMPOSE["x-app"]["entrypoint"]
    ]
    show = "import os; print(os.environ['TR_DATABASE_URL']); print(os.environ['TR_JWT_SECRET'])"
    done = subprocess.run(
        [*prelude, "python", "-c", show],
        env={"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    url, secret = done.stdout.splitlines()
    assert make_url(to_async_url(url)).password == password
    assert make_url(url).host == "postgres"
    assert secret == jwt_secret


def test_compose_runs_the_worker_and_the_daily_job() -> None:
    services = COMPOSE["services"]
    assert services["worker"]["command"] == [*APP, "worker"]
    assert "python -m app reevaluate" in services["reevaluate"]["command"][-1]


def test_compose_trusts_forwarded_headers_from_the_proxy_network_only() -> None:
    (subnet,) = [pool["subnet"] for pool in COMPOSE["networks"]["front"]["ipam"]["config"]]
    assert COMPOSE["services"]["proxy"]["networks"] == ["front"]
    assert COMPOSE["services"]["api"]["environment"]["TR_TRUSTED_PROXIES"] == f'["{subnet}"]'


def _nginx_blocks(config: str, directive: str) -> dict[str, list[str]]:
    """Each `directive NAME { ... }` block's lines (no nesting inside them)."""
    blocks = re.findall(rf"^\s*{directive} (\S+) \{{(.*?)\}}", config, re.MULTILINE | re.DOTALL)
    return {name: [line.strip() for line in body.splitlines()] for name, body in blocks}


def test_the_proxy_forwards_to_the_api_service_round_robin() -> None:
    config = (DEPLOY / "nginx.conf").read_text()
    upstreams = _nginx_blocks(config, "upstream")
    targets = set(re.findall(r"proxy_pass http://(\w+);", config))
    assert targets
    assert targets <= upstreams.keys()
    api = COMPOSE["services"]["api"]
    for name in targets:
        servers = [line.split()[1] for line in upstreams[name] if line.startswith("server ")]
        assert servers == [f"api:{api['environment']['TR_PORT']}"]
        # No ip_hash/hash/least_conn: nginx's default balancing is round-robin.
        assert not [line for line in upstreams[name] if re.match(r"(ip_)?hash|least_", line)]
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in config
    proxy = COMPOSE["services"]["proxy"]
    assert "./nginx.conf:/etc/nginx/nginx.conf:ro" in proxy["volumes"]
    listen = re.search(r"listen (\d+);", config)
    assert listen is not None
    assert [port.rsplit(":", 1)[1] for port in proxy["ports"]] == [listen.group(1)]
