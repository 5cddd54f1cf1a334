@tool
class_name SoundloomDock
extends VBoxContainer
## The Soundloom dock: describe a sound, generate it with progress, preview it, save it.
##
## A plain [Control] with no editor dependency, so it runs (and is tested) in a game too;
## [code]plugin.gd[/code] adds it to the editor, keeps [member server_url] and [member token]
## in the project and editor settings, and refreshes the file system after [signal saved].

## Emitted with the GenerateSceneRequest bodies (one per variation) when Generate is pressed.
signal generate_requested(requests: Array)
## Emitted when a generation finished: the assets made (empty on failure).
signal generated(assets: Array)
## Emitted with the paths written by [method save].
signal saved(paths: PackedStringArray)
## Emitted when the server URL or the token was edited.
signal settings_changed(server_url: String, token: String)

## The kinds offered: one-shots (WAV) and loopable beds (OGG).
const KINDS: Array[String] = ["sfx", "ambience"]

## The client the dock calls (made in [method _init]; replace it to share one).
var client: SoundloomClient
## The assets of the last generation, one per variation.
var assets: Array[SoundloomAsset] = []
## The request bodies of the last generation.
var last_requests: Array[Dictionary] = []
## The server URL field.
var server_edit: LineEdit
## The token field (secret).
var token_edit: LineEdit
## The description.
var prompt_edit: TextEdit
## Seconds.
var duration_spin: SpinBox
## sfx or ambience.
var kind_option: OptionButton
## Variations (seeds seed, seed + 1, ...).
var variations_spin: SpinBox
## The first seed.
var seed_spin: SpinBox
## The loudness preset.
var loudness_option: OptionButton
## Generate.
var generate_button: Button
## The render's progress.
var progress_bar: ProgressBar
## What is happening, or what went wrong.
var status_label: Label
## The plan's events.
var events_list: ItemList
## Plays the selected variation.
var play_button: Button
## The preview player.
var player: AudioStreamPlayer
## The folder sounds are saved into.
var folder_edit: LineEdit
## Save.
var save_button: Button


func _init() -> void:
	name = "Soundloom"
	custom_minimum_size = Vector2(300, 480)
	client = SoundloomClient.new()
	client.name = "Client"
	add_child(client)
	client.progress.connect(_on_progress)
	player = AudioStreamPlayer.new()
	add_child(player)
	_build()


## Set the server URL and token shown (and used) by the dock.
func set_settings(url: String, p_token: String) -> void:
	server_edit.text = url
	token_edit.text = p_token
	_apply_settings()


## The request bodies the current fields describe, one per variation.
func build_requests() -> Array[Dictionary]:
	var requests: Array[Dictionary] = []
	for index in int(variations_spin.value):
		var options := {
			"duration": duration_spin.value,
			"kind": KINDS[kind_option.selected],
			"seed": int(seed_spin.value) + index,
			"loudness": SoundloomClient.LOUDNESS_PRESETS[loudness_option.selected],
		}
		requests.append(SoundloomClient.build_request(prompt_edit.text.strip_edges(), options))
	return requests


## Generate every variation, following the first one's progress; returns the assets.
func generate() -> Array[SoundloomAsset]:
	_apply_settings()
	last_requests = build_requests()
	assets.clear()
	events_list.clear()
	if prompt_edit.text.strip_edges().is_empty():
		_status("Describe a sound first.", true)
		generated.emit(assets)
		return assets
	generate_requested.emit(last_requests)
	generate_button.disabled = true
	save_button.disabled = true
	for index in last_requests.size():
		_status("Generating %d/%d…" % [index + 1, last_requests.size()])
		progress_bar.value = 0.0
		var asset := await client.generate_request(last_requests[index], true)
		if asset == null:
			_status(str(client.last_error), true)
			assets.clear()
			break
		assets.append(asset)
	generate_button.disabled = false
	if not assets.is_empty():
		_show_events(assets[0])
		progress_bar.value = 1.0
		var first := assets[0]
		_status(
			(
				"%d sound(s): %.1f s, %.1f LUFS%s"
				% [
					assets.size(),
					first.duration_s,
					float(first.loudness.get("integrated_lufs", 0.0)),
					", loops" if first.loops() else "",
				]
			)
		)
		save_button.disabled = false
		play_button.disabled = false
	generated.emit(assets)
	return assets


## Play variation [param index] of the last generation.
func preview(index: int = 0) -> void:
	if index >= assets.size():
		return
	var stream := await client.load_stream(assets[index])
	if stream == null:
		_status(str(client.last_error), true)
		return
	player.stream = stream
	player.play()


## Save the last generation into [param folder] (default: the folder field): the audio files
## named from the prompt, each with a [code].soundloom.json[/code] holding its request, so it
## can be regenerated or varied. Returns the paths written.
func save(folder: String = "") -> PackedStringArray:
	var target := folder if folder else folder_edit.text.strip_edges()
	var paths := PackedStringArray()
	DirAccess.make_dir_recursive_absolute(target)
	var stem := slug(prompt_edit.text)
	for index in assets.size():
		var asset := assets[index]
		var data := await client.fetch(asset)
		if data.is_empty():
			_status(str(client.last_error), true)
			return paths
		var file_stem := stem if assets.size() == 1 else "%s_%02d" % [stem, index + 1]
		var path := target.path_join("%s.%s" % [file_stem, asset.format])
		var file := FileAccess.open(path, FileAccess.WRITE)
		if file == null:
			_status("cannot write %s: error %d" % [path, FileAccess.get_open_error()], true)
			return paths
		file.store_buffer(data)
		file.close()
		var side := {
			"soundloom": 1,
			"asset_id": asset.asset_id,
			"server": server_edit.text,
			"request": last_requests[index],
			"loop": asset.info.get("loop", {}),
			"markers": asset.markers,
		}
		var request_file := FileAccess.open(path + ".soundloom.json", FileAccess.WRITE)
		request_file.store_string(JSON.stringify(side, "  ", true))
		request_file.close()
		paths.append(path)
		paths.append(path + ".soundloom.json")
	_status("Saved %d file(s) in %s" % [paths.size() / 2, target])
	saved.emit(paths)
	return paths


## A file name stem from a description: lowercase words joined by "_", at most 40 characters.
static func slug(text: String) -> String:
	var out := ""
	for character in text.to_lower():
		var letter := (
			(character >= "a" and character <= "z") or (character >= "0" and character <= "9")
		)
		if letter:
			out += character
		elif not out.ends_with("_"):
			out += "_"
	out = out.strip_edges().trim_prefix("_").trim_suffix("_").left(40).trim_suffix("_")
	return out if out else "sound"


func _build() -> void:
	var form := GridContainer.new()
	form.columns = 2
	add_child(form)
	server_edit = _field(form, "Server", LineEdit.new())
	server_edit.placeholder_text = "http://127.0.0.1:8080"
	server_edit.text_changed.connect(func(_text: String) -> void: _apply_settings(true))
	token_edit = _field(form, "Token", LineEdit.new())
	token_edit.secret = true
	token_edit.placeholder_text = "(none)"
	token_edit.text_changed.connect(func(_text: String) -> void: _apply_settings(true))
	prompt_edit = TextEdit.new()
	prompt_edit.placeholder_text = "rain on a tin roof, then a door slams"
	prompt_edit.custom_minimum_size = Vector2(0, 64)
	prompt_edit.wrap_mode = TextEdit.LINE_WRAPPING_BOUNDARY
	add_child(prompt_edit)
	var knobs := GridContainer.new()
	knobs.columns = 4
	add_child(knobs)
	duration_spin = _spin(knobs, "Duration (s)", 0.1, 600.0, 0.1, 4.0)
	kind_option = _field(knobs, "Kind", OptionButton.new())
	for kind in KINDS:
		kind_option.add_item(kind)
	variations_spin = _spin(knobs, "Variations", 1, 16, 1, 1)
	seed_spin = _spin(knobs, "Seed", 0, 2147483647, 1, 0)
	loudness_option = _field(knobs, "Loudness", OptionButton.new())
	for preset in SoundloomClient.LOUDNESS_PRESETS:
		loudness_option.add_item(preset)
	generate_button = Button.new()
	generate_button.text = "Generate"
	generate_button.pressed.connect(generate)
	add_child(generate_button)
	progress_bar = ProgressBar.new()
	progress_bar.max_value = 1.0
	progress_bar.step = 0.001
	add_child(progress_bar)
	status_label = Label.new()
	status_label.autowrap_mode = TextServer.AUTOWRAP_WORD_SMART
	add_child(status_label)
	events_list = ItemList.new()
	events_list.custom_minimum_size = Vector2(0, 120)
	events_list.size_flags_vertical = Control.SIZE_EXPAND_FILL
	add_child(events_list)
	var row := HBoxContainer.new()
	add_child(row)
	play_button = Button.new()
	play_button.text = "Preview"
	play_button.disabled = true
	play_button.pressed.connect(func() -> void: preview(0))
	row.add_child(play_button)
	folder_edit = LineEdit.new()
	folder_edit.text = "res://sounds"
	folder_edit.size_flags_horizontal = Control.SIZE_EXPAND_FILL
	row.add_child(folder_edit)
	save_button = Button.new()
	save_button.text = "Save"
	save_button.disabled = true
	save_button.pressed.connect(func() -> void: save())
	row.add_child(save_button)


func _field(parent: Control, label: String, control: Control) -> Variant:
	var caption := Label.new()
	caption.text = label
	parent.add_child(caption)
	control.size_flags_horizontal = Control.SIZE_EXPAND_FILL
	parent.add_child(control)
	return control


func _spin(
	parent: Control, label: String, low: float, high: float, step: float, value: float
) -> SpinBox:
	var spin := SpinBox.new()
	spin.min_value = low
	spin.max_value = high
	spin.step = step
	spin.value = value
	return _field(parent, label, spin)


func _apply_settings(edited: bool = false) -> void:
	client.base_url = server_edit.text.strip_edges()
	client.token = token_edit.text.strip_edges()
	if edited:
		settings_changed.emit(client.base_url, client.token)


func _show_events(asset: SoundloomAsset) -> void:
	events_list.clear()
	for event: Dictionary in asset.events():
		(
			events_list
			. add_item(
				(
					"%6.2f s  %-10s %s (%.1f s)"
					% [
						float(event.get("start_s", 0.0)),
						str(event.get("recipe", "")),
						str(event.get("caption", "")),
						float(event.get("duration_s", 0.0)),
					]
				)
			)
		)


func _on_progress(stage: String, fraction: float, message: String) -> void:
	progress_bar.value = fraction
	_status("%s %d%% %s" % [stage, roundi(fraction * 100.0), message])


func _status(text: String, error: bool = false) -> void:
	status_label.text = text
	var colour := Color(1.0, 0.45, 0.4) if error else Color(0.85, 0.85, 0.85)
	status_label.add_theme_color_override("font_color", colour)
