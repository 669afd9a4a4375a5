"""docker-compose cannot run here (no Docker engine); these keep its files consistent with the Dagster OSS layout."""
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def load(name: str) -> dict:
    return yaml.safe_load((ROOT / name).read_text())


def test_compose_has_the_standard_dagster_services():
    compose = load("docker-compose.yml")
    services = compose["services"]
    assert {"postgres", "user_code", "webserver", "daemon"} <= set(services)
    assert services["postgres"]["image"] == "postgres:16"
    assert services["user_code"]["command"][:3] == ["dagster", "code-server", "start"]
    assert "orchestration.definitions" in services["user_code"]["command"]
    assert services["webserver"]["command"][0] == "dagster-webserver"
    assert services["daemon"]["command"][:2] == ["dagster-daemon", "run"]
    assert services["webserver"]["ports"] == ["127.0.0.1:3000:3000"]
    assert services["metabase"]["profiles"] == ["bi"]
    for name in ("user_code", "webserver", "daemon"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgresql+psycopg2://")
        assert env["DAGSTER_POSTGRES_URL"].startswith("postgresql+psycopg2://")


def test_docker_workspace_points_at_the_code_server():
    workspace = load("deploy/workspace.docker.yaml")
    server = workspace["load_from"][0]["grpc_server"]
    compose_cmd = load("docker-compose.yml")["services"]["user_code"]["command"]
    assert server["host"] == "user_code"
    assert str(server["port"]) == compose_cmd[compose_cmd.index("-p") + 1]


def test_local_workspace_and_instance_config():
    assert load("workspace.yaml")["load_from"][0]["python_module"]["module_name"] == "orchestration.definitions"
    instance = load("dagster.yaml")
    storage = instance["storage"]["custom"]
    assert (storage["module"], storage["class"]) == ("paddock.dagster_storage", "PooledPostgresStorage")
    assert storage["config"]["postgres_url"] == {"env": "DAGSTER_POSTGRES_URL"}
    assert instance["telemetry"]["enabled"] is False


def test_env_example_holds_no_real_secret():
    text = (ROOT / ".env.example").read_text()
    assert "POSTGRES_PASSWORD=change-me" in text
