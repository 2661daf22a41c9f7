"""deploy/ checked without a container engine or a cluster.

The compose file by Debian's ``docker-compose config`` (it fails on schema errors), every
Kubernetes manifest (the base and the rendered overlay) by ``kubernetes-validate`` against the
Kubernetes schemas, the systemd units by ``systemd-analyze verify``; then what those tools
cannot know: every queue stockhub.toml implies has a worker pool, exactly one scheduler, probes
on /healthz and /readyz, non-root everywhere, every secret the config references supplied.
Each validator is also shown a broken copy, so a validator that passes everything fails here.
"""

from __future__ import annotations

import copy
import http.server
import importlib.util
import os
import re
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
import yaml

from tests.conftest import in_ci, service_missing
from tests.deploy.compose import COMPOSE, DEPLOY, ROOT, services, variables

KUBE = DEPLOY / "kubernetes"
VERSIONS = ("1.29.0", "1.37.0")  # an older supported release and the newest schemas here
ENV_EXAMPLE = DEPLOY / ".env.example"


def env_example() -> dict[str, str]:
    pairs = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            pairs[name.strip()] = value.strip()
    return pairs


def deploy_settings():
    from hub.config import load_settings

    return load_settings(DEPLOY / "stockhub.toml")


def config_references() -> set[str]:
    """Every ``${NAME}`` among the values of the shipped stockhub.toml (comments aside)."""
    import tomllib

    from hub.config import REFERENCE

    def walk(value) -> list[str]:
        if isinstance(value, dict):
            return [name for inner in value.values() for name in walk(inner)]
        if isinstance(value, list):
            return [name for inner in value for name in walk(inner)]
        return REFERENCE.findall(value) if isinstance(value, str) else []

    return set(walk(tomllib.loads((DEPLOY / "stockhub.toml").read_text())))


def needed_queues() -> set[str]:
    from hub.worker.app import queue_names

    return set(queue_names(deploy_settings()))


def queues_of(argv: list[str]) -> set[str]:
    return set(argv[argv.index("--queues") + 1].split(","))


# --- compose -------------------------------------------------------------------------------


def docker_compose(*args: str, cwd: Path = DEPLOY) -> subprocess.CompletedProcess:
    if shutil.which("docker-compose") is None:
        service_missing("docker-compose", "not installed (apt-get install -y docker-compose)")
    env = {k: v for k, v in os.environ.items() if k not in env_example()}  # only what we pass
    return subprocess.run(["docker-compose", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=60)  # fmt: skip


class TestCompose:
    def test_config_validates_with_every_profile(self):
        """``docker-compose config`` accepts the file with .env.example, profiles included."""
        done = docker_compose("--env-file", ".env.example", "-f", "compose.yaml",
                              "--profile", "rabbitmq", "--profile", "flower", "config")  # fmt: skip
        assert done.returncode == 0, done.stderr
        resolved = yaml.safe_load(done.stdout)["services"]
        assert {"migrate", "api", "worker", "worker-channels", "beat", "postgres", "redis",
                "rabbitmq", "flower"} <= set(resolved)  # fmt: skip
        assert resolved["rabbitmq"]["profiles"] == ["rabbitmq"]
        assert resolved["flower"]["profiles"] == ["flower"]

    def test_a_schema_error_and_a_missing_secret_fail(self, tmp_path):
        """The validator is not a rubber stamp: an unknown key and an unset password fail."""
        broken = yaml.safe_load(COMPOSE.read_text())
        broken["services"]["beat"]["replicass"] = 2
        (tmp_path / "compose.yaml").write_text(yaml.safe_dump(broken))
        shutil.copy(DEPLOY / "stockhub.toml", tmp_path)
        shutil.copy(ENV_EXAMPLE, tmp_path)
        done = docker_compose("--env-file", ".env.example", "-f", "compose.yaml", "config",
                              cwd=tmp_path)  # fmt: skip
        assert done.returncode != 0 and "replicass" in done.stderr + done.stdout
        shutil.copy(COMPOSE, tmp_path / "good.yaml")  # no .env beside it, none given
        done = docker_compose("-f", "good.yaml", "config", cwd=tmp_path)
        assert done.returncode != 0 and "POSTGRES_PASSWORD" in done.stderr

    def test_services_cover_every_queue_with_one_scheduler_after_migrations(self):
        """Worker pools consume every queue the shipped stockhub.toml implies; one beat; every
        stockhub process waits for the migration job, which runs ``db upgrade``."""
        found = services(env_example())
        consumed = queues_of(found["worker"].command) | queues_of(found["worker-channels"].command)
        assert consumed == needed_queues()
        assert found["beat"].command == ["beat"] and found["beat"].replicas == 1
        assert found["migrate"].command == ["db", "upgrade"]
        assert found["api"].command[:1] == ["api"] and "--port" in found["api"].command
        raw = yaml.safe_load(COMPOSE.read_text())["services"]
        for name in ("api", "worker", "worker-channels", "beat"):
            assert raw[name]["depends_on"]["migrate"] == {
                "condition": "service_completed_successfully"
            }, name
            env = found[name].environment
            assert env["STOCKHUB_DATABASE_URL"].startswith("postgresql+psycopg://"), name
            assert {"STOCKHUB_BROKER_URL", "STOCKHUB_CONFIG", "STOCKHUB_OPS_TOKEN"} <= set(env)

    def test_env_example_supplies_every_variable_and_config_secret(self):
        """.env.example names every variable the compose file and stockhub.toml refer to."""
        names = set(env_example())
        assert variables(COMPOSE.read_text()) - {"STOCKHUB_IMAGE"} <= names
        assert config_references() <= names


# --- Kubernetes ----------------------------------------------------------------------------

KUSTOMIZE_KEYS = {"apiVersion", "kind", "resources", "namespace", "images", "replicas"}


def documents(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def render(folder: Path) -> list[dict]:
    """What ``kubectl apply -k folder`` would apply, for the kustomize features used here
    (resources, namespace, images, replicas); any other key fails, so none goes unchecked."""
    spec = yaml.safe_load((folder / "kustomization.yaml").read_text())
    assert set(spec) <= KUSTOMIZE_KEYS, f"{folder}: unsupported keys {set(spec) - KUSTOMIZE_KEYS}"
    resources: list[dict] = []
    for entry in spec.get("resources", []):
        path = (folder / entry).resolve()
        resources += render(path) if path.is_dir() else documents(path)
    resources = copy.deepcopy(resources)
    for resource in resources:
        if "namespace" in spec:
            resource["metadata"]["namespace"] = spec["namespace"]
        for replica in spec.get("replicas", []):
            if resource["metadata"]["name"] == replica["name"] and "replicas" in resource["spec"]:
                resource["spec"]["replicas"] = replica["count"]
        for container in containers(resource):
            for image in spec.get("images", []):
                name, _, tag = container["image"].partition(":")
                if name == image["name"]:
                    container["image"] = (f"{image.get('newName', name)}:"
                                          f"{image.get('newTag', tag)}")  # fmt: skip
    return resources


def pod_spec(resource: dict) -> dict | None:
    if resource["kind"] in ("Deployment", "Job"):
        return resource["spec"]["template"]["spec"]
    return None


def containers(resource: dict) -> list[dict]:
    spec = pod_spec(resource)
    return [*spec.get("initContainers", []), *spec["containers"]] if spec else []


def by_kind(resources: list[dict], kind: str) -> dict[str, dict]:
    return {r["metadata"]["name"]: r for r in resources if r["kind"] == kind}


def validate(resource: dict, version: str) -> None:
    import kubernetes_validate

    kubernetes_validate.validate(resource, version, strict=True)


class TestKubernetes:
    def test_every_manifest_validates_strictly(self):
        """Every file under deploy/kubernetes (the Secret example too) passes strict schema
        validation on two Kubernetes versions; kustomizations are rendered, not validated."""
        files = [p for p in KUBE.rglob("*.yaml") if p.name != "kustomization.yaml"]
        assert len(files) >= 8
        for path in files:
            for resource in documents(path):
                for version in VERSIONS:
                    validate(resource, version)

    def test_an_invalid_manifest_is_rejected(self):
        """A misspelt field and a wrong type both fail, so the check above can fail."""
        import kubernetes_validate

        api = by_kind(documents(KUBE / "base" / "api.yaml"), "Deployment")["stockhub-api"]
        misspelt = copy.deepcopy(api)
        misspelt["spec"]["template"]["spec"]["containers"][0]["livenesProbe"] = {}
        wrong = copy.deepcopy(api)
        wrong["spec"]["replicas"] = "two"
        for broken in (misspelt, wrong):
            with pytest.raises(kubernetes_validate.ValidationError):
                validate(broken, VERSIONS[-1])

    def test_the_production_overlay_renders_and_validates(self):
        """The overlay's namespace, image and replica count reach every resource it names."""
        rendered = render(KUBE / "overlays" / "production")
        assert len(rendered) == len(render(KUBE / "base"))
        for resource in rendered:
            assert resource["metadata"]["namespace"] == "stockhub"
            validate(resource, VERSIONS[-1])
            for container in containers(resource):
                assert container["image"] == "registry.example.com/stockhub:0.1.0"
        assert by_kind(rendered, "Deployment")["stockhub-api"]["spec"]["replicas"] == 3

    def test_topology_pools_scheduler_probes_and_security(self):
        """Pools cover every queue and autoscale; one scheduler that never overlaps itself;
        API probes on /healthz and /readyz behind a Service; the migration Job; non-root."""
        base = render(KUBE / "base")
        deployments, hpas = by_kind(base, "Deployment"), by_kind(base, "HorizontalPodAutoscaler")
        workers = {n: d for n, d in deployments.items() if n.startswith("stockhub-worker-")}
        consumed = set().union(*(queues_of(d["spec"]["template"]["spec"]["containers"][0]["args"])
                                 for d in workers.values()))  # fmt: skip
        assert consumed == needed_queues()
        targets = {h["spec"]["scaleTargetRef"]["name"] for h in hpas.values()}
        assert targets == set(workers)  # each pool autoscales; nothing else does

        scheduler = deployments["stockhub-scheduler"]
        assert scheduler["spec"]["replicas"] == 1
        assert scheduler["spec"]["strategy"]["type"] == "Recreate"
        assert scheduler["spec"]["template"]["spec"]["containers"][0]["args"] == ["beat"]

        api = deployments["stockhub-api"]["spec"]["template"]
        (container,) = api["spec"]["containers"]
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        service = by_kind(base, "Service")["stockhub-api"]
        assert service["spec"]["selector"].items() <= api["metadata"]["labels"].items()
        job = by_kind(base, "Job")["stockhub-migrate"]
        assert job["spec"]["template"]["spec"]["containers"][0]["args"] == ["db", "upgrade"]

        for resource in base:
            spec = pod_spec(resource)
            if spec is None:
                continue
            name = resource["metadata"]["name"]
            if resource["kind"] == "Deployment":
                labels = resource["spec"]["template"]["metadata"]["labels"]
                assert resource["spec"]["selector"]["matchLabels"].items() <= labels.items()
            assert spec["securityContext"]["runAsNonRoot"] is True, name
            assert spec["securityContext"]["runAsUser"] != 0, name
            for box in containers(resource):
                assert box["securityContext"]["readOnlyRootFilesystem"] is True, name
                assert box["securityContext"]["allowPrivilegeEscalation"] is False, name
                assert {"secretRef": {"name": "stockhub-secrets"}} in box["envFrom"], name

    def test_configmap_is_the_shipped_config_and_the_secret_supplies_it(self):
        """The ConfigMap holds deploy/stockhub.toml verbatim (which loads); the Secret example
        carries the database and broker URLs and every secret the config references."""
        configmap = by_kind(documents(KUBE / "base" / "configmap.yaml"), "ConfigMap")
        text = configmap["stockhub-config"]["data"]["stockhub.toml"]
        assert text == (DEPLOY / "stockhub.toml").read_text()
        assert deploy_settings().channels
        (secret,) = documents(KUBE / "secret.example.yaml")
        keys = set(secret["stringData"])
        assert {"STOCKHUB_DATABASE_URL", "STOCKHUB_BROKER_URL", "STOCKHUB_OPS_TOKEN"} <= keys
        assert config_references() <= keys


# --- systemd, Dockerfile, health check -----------------------------------------------------

UNITS = DEPLOY / "systemd"


def systemd_root(tmp_path: Path, units: Path) -> tuple[Path, list[str]]:
    """A root folder with the units, the system's own units, and a stand-in executable."""
    root = tmp_path / "root"
    shutil.copytree("/lib/systemd/system", root / "usr/lib/systemd/system", symlinks=True)
    (root / "etc/systemd/system").mkdir(parents=True)
    names = []
    for unit in sorted(units.glob("*.service")) + sorted(units.glob("*.target")):
        shutil.copy(unit, root / "etc/systemd/system")
        names.append(unit.name.replace("@.", "@core."))
    binary = root / "opt/stockhub/bin/stockhub"
    binary.parent.mkdir(parents=True)
    binary.write_text("#!/bin/sh\n")
    binary.chmod(0o755)
    return root, names


class TestSystemd:
    def verify(self, root: Path, names: list[str]) -> subprocess.CompletedProcess:
        if shutil.which("systemd-analyze") is None or not Path("/lib/systemd/system").is_dir():
            if in_ci():
                pytest.fail("systemd-analyze is needed to verify the units")
            pytest.skip("systemd-analyze not installed")
        return subprocess.run(["systemd-analyze", "verify", "--man=no", f"--root={root}", *names],
                              cwd=root / "etc/systemd/system", capture_output=True, text=True,
                              timeout=60)  # fmt: skip

    def test_units_verify_and_a_broken_one_does_not(self, tmp_path):
        """``systemd-analyze verify`` accepts every unit; a misspelt key is refused."""
        root, names = systemd_root(tmp_path, UNITS)
        done = self.verify(root, names)
        assert done.returncode == 0, done.stdout + done.stderr
        beat = root / "etc/systemd/system/stockhub-beat.service"
        beat.write_text(beat.read_text().replace("ExecStart=", "ExecStrat="))
        done = self.verify(root, ["stockhub-beat.service"])
        assert done.returncode != 0 and "ExecStrat" in done.stdout + done.stderr

    def test_pools_cover_every_queue_and_units_run_as_stockhub(self):
        """The two pool files consume every queue; every unit runs unprivileged."""
        consumed: set[str] = set()
        for env in UNITS.glob("worker-*.env"):
            found = re.search(r"^QUEUES=(\S+)$", env.read_text(), re.MULTILINE)
            assert found, env
            consumed |= set(found[1].split(","))
        assert consumed == needed_queues()
        for unit in UNITS.glob("*.service"):
            assert "\nUser=stockhub\n" in unit.read_text(), unit.name


class TestDockerfile:
    def test_multi_stage_non_root_healthcheck_and_the_install_script(self):
        """Two stages, the build one running deploy/install.sh; the final one non-root with a
        HEALTHCHECK; every COPY source exists and is let through Dockerfile.dockerignore."""
        lines = (DEPLOY / "Dockerfile").read_text().splitlines()
        stages = [line for line in lines if line.startswith("FROM ")]
        assert len(stages) >= 2
        final = lines[lines.index(stages[-1]) :]
        assert any(line.startswith("RUN sh deploy/install.sh /opt/stockhub") for line in lines)
        user = next(line.split()[1] for line in final if line.startswith("USER "))
        assert user.split(":")[0] not in ("0", "root")
        assert any(line.startswith("HEALTHCHECK ") for line in final)
        assert 'ENTRYPOINT ["stockhub"]' in final
        ignore = (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
        allowed = {line[1:].removesuffix("/**") for line in ignore if line.startswith("!")}
        for line in lines:
            if line.startswith("COPY ") and "--from=" not in line:
                for source in line.split()[1:-1]:
                    assert (ROOT / source).exists(), source
                    assert source.rstrip("/") in allowed, f"{source} is excluded from the context"


def load_healthcheck():
    spec = importlib.util.spec_from_file_location("healthcheck", DEPLOY / "healthcheck.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class TestHealthcheck:
    def test_role_and_port_come_from_the_container_command(self):
        """With no arguments the check reads what PID 1 runs: api on its port, or a worker."""
        check = load_healthcheck()
        api = ["/opt/stockhub/bin/python", "/opt/stockhub/bin/stockhub", "api", "--host",
               "0.0.0.0", "--port", "8100"]  # fmt: skip
        assert check.role_of(api) == ("api", "http://127.0.0.1:8100/healthz")
        assert check.role_of(["stockhub", "worker", "--queues", "q"])[0] == "worker"
        assert check.role_of(["stockhub", "beat"])[0] == "beat"

    def test_http_check_passes_on_2xx_and_fails_otherwise(self):
        """A 200 is healthy; a 503 and a closed port are not (exit status 1)."""
        check = load_healthcheck()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the stdlib's name
                self.send_response(200 if self.path == "/healthz" else 503)
                self.end_headers()

            def log_message(self, *args):
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}"
        try:
            assert check.main(["api", f"{base}/healthz"]) == 0
            assert check.main(["api", f"{base}/readyz"]) == 1
        finally:
            server.shutdown()
            server.server_close()
        assert check.main(["api", f"{base}/healthz"]) == 1
        assert check.main(["nonsense"]) == 1
