"""The yardstick: a bare Flask app answering every POST with a fixed TwiML string."""

from flask import Flask, Response

FIXED = (
    '<?xml version="1.0" encoding="UTF-8"?><Response><Say language="en-GB">'
    "Derbyshire Victim Services.</Say></Response>"
)


def create_app() -> Flask:
    """Same shape as ivr.create_app, nothing else."""
    app = Flask(__name__)

    @app.route("/", defaults={"path": ""}, methods=["GET", "POST"])
    @app.route("/<path:path>", methods=["GET", "POST"])
    def answer(path: str) -> Response:
        return Response(FIXED, mimetype="text/xml")

    return app
