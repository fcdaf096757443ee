from flask import Blueprint

blueprint = Blueprint("xapi_statements", __name__, url_prefix="/xapi")
