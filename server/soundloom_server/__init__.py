"""Soundloom engine and service: description -> plan -> render -> mix -> master -> package."""

ENGINE_VERSION = "0.1.0"
