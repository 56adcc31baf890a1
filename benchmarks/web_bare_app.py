"""The comparison point: a bare Flask endpoint that inserts one row, on the same stack
(Flask + SQLAlchemy engine from ``survey_engine.store.make_engine`` + the same database)."""

from __future__ import annotations

import json
import os

from flask import Flask, request
from sqlalchemy import JSON, Column, Integer, MetaData, String, Table, insert

from survey_engine.store import make_engine

metadata = MetaData()
rows = Table("bench_bare_rows", metadata, Column("id", Integer, primary_key=True),
             Column("client_uuid", String(36), nullable=False), Column("body", JSON, nullable=False))


def create_bare_app() -> Flask:
    app = Flask(__name__)
    engine = make_engine(os.environ["BENCH_BARE_DATABASE_URL"])

    @app.post("/bare")
    def bare():
        body = json.loads(request.get_data())
        with engine.begin() as connection:
            connection.execute(insert(rows).values(client_uuid=body["uuid"], body=body))
        return {"ok": True}, 201

    return app
