"""Negotiation views: term sheet versions on a prospect, for the manager and the applicant."""
from flask import Blueprint

bp = Blueprint("negotiation", __name__)
