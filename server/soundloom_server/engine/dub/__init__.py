"""Dubbing a video: see its cuts and motion, plan beds per shot and one-shots at motion, render."""
