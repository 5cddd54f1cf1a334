"""Continuing a recording: understand a clip, then carry its bed and its events on past its end.

`source` loads and checks the clip, `features` holds the spectral measures every step shares,
`analysis` describes the clip (loudness, envelope, bed/events split, onsets, stationarity,
resembling recipes), `texture` continues the bed, `events` re-emits transients, `seam` picks the
join, `planning` makes the continuation an ordinary plan and `job` renders it.
"""
