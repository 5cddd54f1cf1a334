@tool
class_name SoundloomBank
extends RefCounted
## A sound bank built by [code]soundloom bank build[/code]: [code]bank.json[/code] and its files,
## shipped in [code]res://[/code] with the game (nothing is fetched at run time).
##
## [codeblock]
## var bank := SoundloomBank.load_bank("res://audio/harbour/bank.json")
## $Door.stream = bank.stream("door_slam")        # a random variation
## $Rain.stream = bank.stream("rain_on_tin", 0)   # looping bed, loop points from bank.json
## for marker in bank.markers("door_slam", 0):
##     print(marker.time_s, " ", marker.label)
## [/codeblock]
## Files are read as they are in the folder (export them with the filter
## [code]*.json, *.wav, *.ogg[/code] under "non-resource files"); a file the editor imported
## instead is loaded as a resource. Either way the loop points come from [code]bank.json[/code].

## The bank's name.
var bank_name: String = ""
## The folder of bank.json (files are relative to it).
var folder: String = ""
## Entries by name: [code]{"name", "kind", "description", "loop", "variations": [...]}[/code].
var entries: Dictionary = {}
## Check each file against bank.json's sha256 when loading it.
var verify: bool = true
## Why the last call failed ("" after a success).
var last_error: String = ""

var _streams: Dictionary = {}


## The bank described by [param path] (a bank.json); null when it cannot be read.
static func load_bank(path: String) -> SoundloomBank:
	if not FileAccess.file_exists(path):
		push_warning("SoundloomBank: %s does not exist" % path)
		return null
	var parsed: Variant = SoundloomError.parse_json(FileAccess.get_file_as_string(path))
	if not parsed is Dictionary or not parsed.get("entries") is Array:
		push_warning("SoundloomBank: %s is not a bank.json" % path)
		return null
	var bank := SoundloomBank.new()
	bank.bank_name = str(parsed.get("bank", ""))
	bank.folder = path.get_base_dir()
	for entry: Dictionary in parsed["entries"]:
		bank.entries[str(entry.get("name", ""))] = entry
	return bank


## The entries' names.
func names() -> PackedStringArray:
	return PackedStringArray(entries.keys())


## Whether the bank has an entry called [param entry_name].
func has_entry(entry_name: String) -> bool:
	return entries.has(entry_name)


## How many variations the entry has (0 when there is no such entry).
func variation_count(entry_name: String) -> int:
	return entries.get(entry_name, {}).get("variations", []).size()


## One variation's bank.json record: file, seed, frames, duration_s, loop, markers, loudness.
## [param variation] is 0-based; -1 picks one at random. {} when there is none.
func variation(entry_name: String, index: int = 0) -> Dictionary:
	var variations: Array = entries.get(entry_name, {}).get("variations", [])
	if variations.is_empty():
		return {}
	if index < 0:
		index = randi() % variations.size()
	return variations[index] if index < variations.size() else {}


## The variation as an AudioStream with its loop points; null (see [member last_error]) when
## the entry or its file is missing or does not match bank.json.
func stream(entry_name: String, index: int = -1) -> AudioStream:
	last_error = ""
	if index < 0 and variation_count(entry_name) > 0:
		index = randi() % variation_count(entry_name)
	var record := variation(entry_name, index)
	if record.is_empty():
		last_error = "%s has no entry %s with variation %d" % [bank_name, entry_name, index]
		return null
	var key := "%s/%d" % [entry_name, index]
	if _streams.has(key):
		return _streams[key]
	var made := _load(record)
	if made != null:
		_streams[key] = made
	return made


## The variation's markers: [code]{"frame", "time_s", "label", "length_frames"}[/code].
func markers(entry_name: String, index: int = 0) -> Array:
	return variation(entry_name, index).get("markers", [])


## The variation's loop as [code][start_frame, end_frame)[/code], or [] when it does not loop.
func loop_points(entry_name: String, index: int = 0) -> Array:
	var loop: Variant = variation(entry_name, index).get("loop")
	if not loop is Dictionary:
		return []
	var start := int(loop.get("start_frame", 0))
	return [start, start + int(loop.get("length_frames", 0))]


func _load(record: Dictionary) -> AudioStream:
	var path := folder.path_join(str(record.get("file", "")))
	var loop: Variant = record.get("loop")
	var start := -1
	var length := 0
	if loop is Dictionary:
		start = int(loop.get("start_frame", 0))
		length = int(loop.get("length_frames", 0))
	var format := str(record.get("format", path.get_extension()))
	if FileAccess.file_exists(path):
		var data := FileAccess.get_file_as_bytes(path)
		var expected := str(record.get("sha256", ""))
		if verify and expected and SoundloomCache.sha256_hex(data) != expected:
			last_error = "%s does not match its sha256 in bank.json" % path
			return null
		var made := SoundloomAudio.stream_from_bytes(data, format, start, length)
		if made == null:
			last_error = "%s is not a %s file Godot can play" % [path, format]
		return made
	if ResourceLoader.exists(path):  # imported by the editor rather than exported as is
		var imported := ResourceLoader.load(path) as AudioStream
		_apply_loop(imported, start, length, int(record.get("sample_rate", 0)))
		return imported
	last_error = "%s is missing" % path
	return null


static func _apply_loop(target: AudioStream, start: int, length: int, rate: int) -> void:
	if target is AudioStreamWAV:
		var wav := target as AudioStreamWAV
		if length > 0:
			wav.loop_mode = AudioStreamWAV.LOOP_FORWARD
			wav.loop_begin = start
			wav.loop_end = start + length
	elif target is AudioStreamOggVorbis:
		var ogg := target as AudioStreamOggVorbis
		ogg.loop = length > 0
		if length > 0 and rate > 0:
			ogg.loop_offset = float(start) / rate
