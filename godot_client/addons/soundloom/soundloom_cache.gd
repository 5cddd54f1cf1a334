@tool
class_name SoundloomCache
extends RefCounted
## The on-disk cache of Soundloom assets, keyed by the content address the server uses.
##
## Layout under [member root] ([code]user://soundloom/[/code] by default):
## [code]assets/<asset_id>/<file>[/code], [code]assets/<asset_id>/asset.json[/code] (info and
## plan), [code]requests/<sha256 of the request>[/code] (which asset a request gave) and
## [code]index.json[/code] (sizes and last use, for least-recently-used eviction). Every write
## goes to a temporary file first and is renamed into place; every read checks the file's
## sha256 (a corrupt file is dropped and fetched again).

## Where the cache lives.
var root: String = "user://soundloom"
## Size cap in bytes; least recently used assets are evicted past it.
var max_bytes: int = 512 * 1024 * 1024
## Files older than this (seconds since the last check) are revalidated with If-None-Match.
var revalidate_after_s: float = 24 * 3600.0
## Counters: hits, misses, revalidated (304s), evictions, corrupt.
var stats: Dictionary = {"hits": 0, "misses": 0, "revalidated": 0, "evictions": 0, "corrupt": 0}

var _index: Dictionary = {}
var _loaded: bool = false


func _init(p_root: String = "user://soundloom", p_max_bytes: int = 512 * 1024 * 1024) -> void:
	root = p_root.trim_suffix("/")
	max_bytes = p_max_bytes


## The lowercase hex sha256 of [param data] (Godot's [HashingContext]).
static func sha256_hex(data: PackedByteArray) -> String:
	var context := HashingContext.new()
	context.start(HashingContext.HASH_SHA256)
	context.update(data)
	return context.finish().hex_encode()


## The key of a request body: the sha256 of its JSON with sorted keys.
static func request_key(body: Dictionary, server: String = "") -> String:
	return sha256_hex((server + "\n" + JSON.stringify(body, "", true)).to_utf8_buffer())


## The cached bytes of an asset's file, checked against [param sha256]; empty on a miss.
func read_file(asset_id: String, file_name: String, sha256: String) -> PackedByteArray:
	var path := _file_path(asset_id, file_name)
	if not _safe(asset_id, file_name) or not FileAccess.file_exists(path):
		stats["misses"] += 1
		return PackedByteArray()
	var data := FileAccess.get_file_as_bytes(path)
	if sha256 and sha256_hex(data) != sha256:
		stats["corrupt"] += 1
		stats["misses"] += 1
		DirAccess.remove_absolute(path)
		return PackedByteArray()
	stats["hits"] += 1
	touch(asset_id)
	return data


## Whether the file was checked less than [member revalidate_after_s] ago.
func is_fresh(asset_id: String, file_name: String) -> bool:
	_load_index()
	var entry: Dictionary = _index.get(asset_id, {})
	var checked: float = entry.get("checked", {}).get(file_name, 0.0)
	return Time.get_unix_time_from_system() - checked < revalidate_after_s


## Note that the server confirmed the cached file (a 304).
func mark_checked(asset_id: String, file_name: String) -> void:
	_load_index()
	var entry: Dictionary = _index.get(asset_id, {})
	if entry.is_empty():
		return
	if not entry.has("checked"):
		entry["checked"] = {}
	entry["checked"][file_name] = Time.get_unix_time_from_system()
	_save_index()


## Store an asset's file atomically; refused (ERR_INVALID_DATA) when it does not match
## [param sha256]. Evicts least recently used assets past [member max_bytes].
func write_file(
	asset_id: String, file_name: String, data: PackedByteArray, sha256: String
) -> Error:
	if not _safe(asset_id, file_name):
		return ERR_INVALID_PARAMETER
	if sha256 and sha256_hex(data) != sha256:
		stats["corrupt"] += 1
		return ERR_INVALID_DATA
	var error := _write_atomic(_file_path(asset_id, file_name), data)
	if error != OK:
		return error
	_load_index()
	var entry: Dictionary = _index.get(asset_id, {"files": {}, "checked": {}})
	entry["files"][file_name] = data.size()
	entry["checked"][file_name] = Time.get_unix_time_from_system()
	_index[asset_id] = entry
	touch(asset_id, false)
	evict(asset_id)
	_save_index()
	return OK


## Remember an asset's info and plan, and which request gave it.
func put_asset(asset: SoundloomAsset, key: String = "") -> void:
	if not asset.asset_id.is_valid_hex_number() or asset.asset_id.length() != 64:
		return
	var meta := JSON.stringify({"info": asset.info, "plan": asset.plan})
	_write_atomic(_asset_dir(asset.asset_id) + "/asset.json", meta.to_utf8_buffer())
	if key:
		_write_atomic(root + "/requests/" + key, asset.asset_id.to_utf8_buffer())
	_load_index()
	if not _index.has(asset.asset_id):
		_index[asset.asset_id] = {"files": {}, "checked": {}}
	touch(asset.asset_id)


## The cached asset (info and plan) with this id, or null.
func get_asset(asset_id: String) -> SoundloomAsset:
	if asset_id.length() != 64 or not asset_id.is_valid_hex_number():
		return null
	var path := _asset_dir(asset_id) + "/asset.json"
	if not FileAccess.file_exists(path):
		return null
	var parsed: Variant = SoundloomError.parse_json(FileAccess.get_file_as_string(path))
	if not parsed is Dictionary:
		return null
	return SoundloomAsset.from_json(parsed.get("info", {}), parsed.get("plan", {}))


## The cached asset a request (by [method request_key]) gave, or null.
func asset_for_request(key: String) -> SoundloomAsset:
	var path := root + "/requests/" + key
	if not key.is_valid_hex_number() or not FileAccess.file_exists(path):
		return null
	return get_asset(FileAccess.get_file_as_string(path).strip_edges())


## Mark an asset as just used (for least-recently-used eviction).
func touch(asset_id: String, save: bool = true) -> void:
	_load_index()
	if _index.has(asset_id):
		_index[asset_id]["used"] = Time.get_unix_time_from_system()
		_index[asset_id]["order"] = _next_order()
		if save:
			_save_index()


## Bytes of audio held.
func size_bytes() -> int:
	_load_index()
	var total := 0
	for entry: Dictionary in _index.values():
		for size: Variant in entry.get("files", {}).values():
			total += int(size)
	return total


## Evict least recently used assets until the cache fits [member max_bytes] (never [param keep]).
func evict(keep: String = "") -> void:
	_load_index()
	var ids := _index.keys()
	ids.sort_custom(func(a: String, b: String) -> bool: return _order(a) < _order(b))
	for asset_id: String in ids:
		if size_bytes() <= max_bytes:
			break
		if asset_id == keep:
			continue
		_remove_asset(asset_id)
		stats["evictions"] += 1
	_save_index()


## Whether the asset's files are all cached.
func has_asset(asset_id: String) -> bool:
	_load_index()
	return _index.has(asset_id) and not _index[asset_id].get("files", {}).is_empty()


## Delete everything in the cache.
func clear() -> void:
	_load_index()
	for asset_id: String in _index.keys():
		_remove_asset(asset_id)
	var requests := DirAccess.open(root + "/requests")
	if requests != null:
		for name in requests.get_files():
			requests.remove(name)
	_index = {}
	_save_index()


func _order(asset_id: String) -> int:
	return int(_index[asset_id].get("order", 0))


func _next_order() -> int:
	var highest := 0
	for entry: Dictionary in _index.values():
		highest = max(highest, int(entry.get("order", 0)))
	return highest + 1


func _remove_asset(asset_id: String) -> void:
	var folder := _asset_dir(asset_id)
	var dir := DirAccess.open(folder)
	if dir != null:
		for name in dir.get_files():
			dir.remove(name)
		DirAccess.remove_absolute(folder)
	_index.erase(asset_id)


func _asset_dir(asset_id: String) -> String:
	return root + "/assets/" + asset_id


func _file_path(asset_id: String, file_name: String) -> String:
	return _asset_dir(asset_id) + "/" + file_name


func _safe(asset_id: String, file_name: String) -> bool:
	# Ids are hex digests and names plain file names: nothing may climb out of the cache.
	return (
		asset_id.length() == 64
		and asset_id.is_valid_hex_number()
		and file_name.is_valid_filename()
		and not file_name.begins_with(".")
	)


func _write_atomic(path: String, data: PackedByteArray) -> Error:
	var error := DirAccess.make_dir_recursive_absolute(path.get_base_dir())
	if error != OK and error != ERR_ALREADY_EXISTS:
		return error
	var temporary := "%s.tmp-%d" % [path, randi()]
	var file := FileAccess.open(temporary, FileAccess.WRITE)
	if file == null:
		return FileAccess.get_open_error()
	file.store_buffer(data)
	file.close()
	if FileAccess.file_exists(path):
		DirAccess.remove_absolute(path)
	return DirAccess.rename_absolute(temporary, path)


func _load_index() -> void:
	if _loaded:
		return
	_loaded = true
	var path := root + "/index.json"
	if FileAccess.file_exists(path):
		var parsed: Variant = SoundloomError.parse_json(FileAccess.get_file_as_string(path))
		if parsed is Dictionary:
			_index = parsed


func _save_index() -> void:
	_write_atomic(root + "/index.json", JSON.stringify(_index).to_utf8_buffer())
