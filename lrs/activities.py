from flask import Blueprint

blueprint = Blueprint("xapi_activities", __name__, url_prefix="/xapi")
