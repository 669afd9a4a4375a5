"""The database module is the only place URLs are built; these pin its conversions."""
import pytest

from paddock import db


def test_bare_postgresql_scheme_maps_to_psycopg2():
    assert db.to_sqlalchemy_url("postgresql://u:p@h:5432/w") == "postgresql+psycopg2://u:p@h:5432/w"
    assert db.to_sqlalchemy_url("postgres://u@h/w") == "postgresql+psycopg2://u@h/w"


def test_unsupported_scheme_names_the_scheme_without_the_password():
    with pytest.raises(ValueError, match="'mysql'") as err:
        db.to_sqlalchemy_url("mysql://u:secret@h/w")
    assert "secret" not in str(err.value)


def test_redact_hides_password_only():
    assert db.redact("postgresql://u:s3cret@h:5432/w") == "postgresql://u:***@h:5432/w"
    assert db.redact("postgresql://u@h/w") == "postgresql://u@h/w"


def test_socket_directory_becomes_libpq_host():
    params = db.libpq_params("postgresql+psycopg2://postgres:@/warehouse?host=/tmp/x/postgres")
    assert params == {
        "PADDOCK_PG_HOST": "/tmp/x/postgres",
        "PADDOCK_PG_PORT": "5432",
        "PADDOCK_PG_USER": "postgres",
        "PADDOCK_PG_PASSWORD": "",
        "PADDOCK_PG_DBNAME": "warehouse",
    }


def test_tcp_url_with_encoded_password():
    params = db.libpq_params("postgresql+psycopg2://bi:p%40ss@db.local:6543/wh")
    assert (params["PADDOCK_PG_HOST"], params["PADDOCK_PG_PORT"]) == ("db.local", "6543")
    assert (params["PADDOCK_PG_PASSWORD"], params["PADDOCK_PG_DBNAME"]) == ("p@ss", "wh")
