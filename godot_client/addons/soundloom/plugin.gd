@tool
extends EditorPlugin
## Wires the Soundloom dock into the editor; all of its logic lives in soundloom_dock.gd.
##
## The server URL is a project setting ([code]soundloom/server/url[/code]); the token is an
## editor setting ([code]soundloom/server/token[/code]), kept out of project.godot and so out
## of version control.

const URL_SETTING := "soundloom/server/url"
const TOKEN_SETTING := "soundloom/server/token"
const DEFAULT_URL := "http://127.0.0.1:8080"

var _dock: SoundloomDock


func _enter_tree() -> void:
	if not ProjectSettings.has_setting(URL_SETTING):
		ProjectSettings.set_setting(URL_SETTING, DEFAULT_URL)
	ProjectSettings.set_initial_value(URL_SETTING, DEFAULT_URL)
	ProjectSettings.set_as_basic(URL_SETTING, true)
	var editor := EditorInterface.get_editor_settings()
	if not editor.has_setting(TOKEN_SETTING):
		editor.set_setting(TOKEN_SETTING, "")
	_dock = SoundloomDock.new()
	_dock.set_settings(
		str(ProjectSettings.get_setting(URL_SETTING)), str(editor.get_setting(TOKEN_SETTING))
	)
	_dock.settings_changed.connect(_on_settings_changed)
	_dock.saved.connect(_on_saved)
	add_control_to_dock(DOCK_SLOT_RIGHT_UL, _dock)


func _exit_tree() -> void:
	if _dock != null:
		remove_control_from_docks(_dock)
		_dock.queue_free()
		_dock = null


func _on_settings_changed(url: String, token: String) -> void:
	ProjectSettings.set_setting(URL_SETTING, url)
	ProjectSettings.save()
	EditorInterface.get_editor_settings().set_setting(TOKEN_SETTING, token)


func _on_saved(paths: PackedStringArray) -> void:
	var file_system := EditorInterface.get_resource_filesystem()
	for path in paths:
		file_system.update_file(path)
	file_system.scan()
