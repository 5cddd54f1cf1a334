@tool
class_name SoundloomAsset
extends RefCounted
## One generated sound: the server's AssetInfo (files, loop points, markers, loudness) and plan.
##
## Times in [member markers] are given in frames and in seconds. Files are downloaded by
## [method SoundloomClient.fetch] and turned into an [AudioStream] by
## [method SoundloomClient.load_stream].

## The content address (sha256 of the canonical request and engine versions), 64 hex digits.
var asset_id: String = ""
## The AssetInfo in the proto3 JSON mapping, as the gateway sent it.
var info: Dictionary = {}
## The ScenePlan that was rendered (events with captions, recipes, times).
var plan: Dictionary = {}
## "wav", "ogg" or "flac".
var format: String = ""
## Frames per second of the audio.
var sample_rate: int = 0
## 1 or 2.
var channels: int = 0
## Length of the main file in frames.
var frames: int = 0
## Length of the main file in seconds.
var duration_s: float = 0.0
## First frame of the loop; -1 when the sound does not loop.
var loop_start_frame: int = -1
## Frames in the loop (0 when it does not loop).
var loop_length_frames: int = 0
## Markers: [code]{"frame", "time_s", "label", "length_frames"}[/code], in time order.
var markers: Array[Dictionary] = []
## The loudness report: integrated_lufs, true_peak_dbtp, loudness_range_lu, target_lufs ...
var loudness: Dictionary = {}
## True when the server served it from its store (nothing was rendered).
var cache_hit: bool = false
## True when it came from the local cache because the server could not be reached.
var offline: bool = false


## An asset from the gateway's AssetInfo and plan JSON.
static func from_json(p_info: Dictionary, p_plan: Dictionary = {}) -> SoundloomAsset:
	var asset := SoundloomAsset.new()
	asset.info = p_info
	asset.plan = p_plan
	asset.asset_id = str(p_info.get("asset_id", ""))
	asset.format = str(p_info.get("format", "")).trim_prefix("AUDIO_FORMAT_").to_lower()
	asset.sample_rate = int(p_info.get("sample_rate", 0))
	asset.channels = int(p_info.get("channels", 0))
	asset.frames = int(p_info.get("frames", 0))
	asset.duration_s = float(p_info.get("duration_s", 0.0))
	asset.loudness = p_info.get("loudness", {})
	var loop: Variant = p_info.get("loop")
	if loop is Dictionary and int(loop.get("length_frames", 0)) > 0:
		asset.loop_start_frame = int(loop.get("start_frame", 0))
		asset.loop_length_frames = int(loop["length_frames"])
	for marker: Dictionary in p_info.get("markers", []):
		var frame := int(marker.get("frame", 0))
		(
			asset
			. markers
			. append(
				{
					"frame": frame,
					"time_s": float(frame) / max(asset.sample_rate, 1),
					"label": str(marker.get("label", "")),
					"length_frames": int(marker.get("length_frames", 0)),
				}
			)
		)
	return asset


## Whether the sound loops.
func loops() -> bool:
	return loop_length_frames > 0


## The file entries: [code]{"name", "role", "sha256", "size_bytes"}[/code].
func files() -> Array:
	return info.get("files", [])


## The main audio file's entry (the first file).
func main_file() -> Dictionary:
	var entries := files()
	return entries[0] if entries else {}


## The file entry called [param file_name] ({} when there is none).
func file_named(file_name: String) -> Dictionary:
	for entry: Dictionary in files():
		if entry.get("name") == file_name:
			return entry
	return {}


## The plan's events (each with id, kind, caption, recipe, start_s, duration_s ...).
func events() -> Array:
	return plan.get("events", [])
