@tool
class_name SoundloomAudio
extends RefCounted
## AudioStreams from Soundloom files, with loop points taken from the asset's metadata.
##
## WAV files are parsed here (PCM 8/16/24/32-bit and 32-bit float, any rate, mono or stereo)
## into an [AudioStreamWAV]; its [member AudioStreamWAV.loop_begin] and
## [member AudioStreamWAV.loop_end] come from the metadata, not from the file's [code]smpl[/code]
## chunk ([method AudioStreamWAV.load_from_buffer] leaves the end one frame short). OGG Vorbis
## becomes an [AudioStreamOggVorbis] that loops from its loop offset.

const WAVE_FORMAT_PCM := 1
const WAVE_FORMAT_FLOAT := 3
const WAVE_FORMAT_EXTENSIBLE := 0xFFFE


## A stream for [param data] in [param format] ("wav" or "ogg"); loops over
## [code][loop_start, loop_start + loop_length)[/code] when [param loop_length] > 0.
## Returns null when the data cannot be read.
static func stream_from_bytes(
	data: PackedByteArray, format: String, loop_start: int = -1, loop_length: int = 0
) -> AudioStream:
	if format == "wav":
		return wav_stream(data, loop_start, loop_length)
	if format == "ogg":
		return ogg_stream(data, loop_start, loop_length)
	return null


## An [AudioStreamWAV] from a RIFF/WAVE file's bytes (null when it is not one Godot can play).
static func wav_stream(
	data: PackedByteArray, loop_start: int = -1, loop_length: int = 0
) -> AudioStreamWAV:
	var wav := parse_wav(data)
	if wav.is_empty():
		return null
	var stream := AudioStreamWAV.new()
	stream.format = AudioStreamWAV.FORMAT_16_BITS
	stream.mix_rate = wav["sample_rate"]
	stream.stereo = wav["channels"] == 2
	stream.data = wav["pcm16"]
	if loop_length > 0:
		stream.loop_mode = AudioStreamWAV.LOOP_FORWARD
		stream.loop_begin = max(loop_start, 0)
		stream.loop_end = max(loop_start, 0) + loop_length
	else:
		stream.loop_mode = AudioStreamWAV.LOOP_DISABLED
	return stream


## An [AudioStreamOggVorbis] from an Ogg Vorbis file's bytes; loops back to [param loop_start]
## (in frames at the file's rate) when [param loop_length] > 0.
static func ogg_stream(
	data: PackedByteArray, loop_start: int = -1, loop_length: int = 0
) -> AudioStreamOggVorbis:
	if data.size() < 4 or data.slice(0, 4).get_string_from_ascii() != "OggS":
		return null
	var stream := AudioStreamOggVorbis.load_from_buffer(data)
	if stream == null:
		return null
	stream.loop = loop_length > 0
	if loop_length > 0:
		var rate := ogg_sample_rate(data)
		stream.loop_offset = float(max(loop_start, 0)) / max(rate, 1)
	return stream


## The sample rate in an Ogg Vorbis identification header (0 when absent).
static func ogg_sample_rate(data: PackedByteArray) -> int:
	# First page: 27-byte header + segment table, then "\x01vorbis", version (4), channels (1),
	# rate (4, little-endian).
	if data.size() < 28:
		return 0
	var start := 27 + data[26]
	if data.size() < start + 16:
		return 0
	return data.decode_u32(start + 12)


## The RIFF/WAVE file's format and its samples as 16-bit PCM:
## [code]{"sample_rate", "channels", "bits", "frames", "pcm16", "smpl_loop": [start, end]}[/code]
## ([code]smpl_loop[/code] is the file's own loop, end inclusive, or [] when it has none).
## Returns {} when the bytes are not a WAV file this can read.
static func parse_wav(data: PackedByteArray) -> Dictionary:
	if data.size() < 12 or data.slice(0, 4).get_string_from_ascii() != "RIFF":
		return {}
	if data.slice(8, 12).get_string_from_ascii() != "WAVE":
		return {}
	var result := {"smpl_loop": []}
	var tag := 0
	var pcm := PackedByteArray()
	var offset := 12
	while offset + 8 <= data.size():
		var chunk_id := data.slice(offset, offset + 4).get_string_from_ascii()
		var size := data.decode_u32(offset + 4)
		var body := offset + 8
		if chunk_id == "fmt ":
			tag = data.decode_u16(body)
			result["channels"] = data.decode_u16(body + 2)
			result["sample_rate"] = data.decode_u32(body + 4)
			result["bits"] = data.decode_u16(body + 14)
			if tag == WAVE_FORMAT_EXTENSIBLE and size >= 26:
				tag = data.decode_u16(body + 24)
		elif chunk_id == "data":
			pcm = data.slice(body, min(body + size, data.size()))
		elif chunk_id == "smpl" and size >= 60 and data.decode_u32(body + 28) > 0:
			result["smpl_loop"] = [data.decode_u32(body + 44), data.decode_u32(body + 48)]
		offset = body + size + (size & 1)
	if not result.has("bits") or result["channels"] not in [1, 2]:
		return {}
	var pcm16 := _to_pcm16(pcm, tag, result["bits"])
	if pcm16.is_empty() and not pcm.is_empty():
		return {}
	result["pcm16"] = pcm16
	result["frames"] = pcm16.size() / (2 * result["channels"])
	return result


static func _to_pcm16(pcm: PackedByteArray, tag: int, bits: int) -> PackedByteArray:
	if tag == WAVE_FORMAT_PCM and bits == 16:
		return pcm
	var count := pcm.size() / int(bits / 8)
	var out := PackedByteArray()
	out.resize(count * 2)
	for i in count:
		var value := 0
		if tag == WAVE_FORMAT_PCM and bits == 8:
			value = (pcm[i] - 128) << 8
		elif tag == WAVE_FORMAT_PCM and bits == 24:
			value = pcm.decode_s16(i * 3 + 1)
		elif tag == WAVE_FORMAT_PCM and bits == 32:
			value = pcm.decode_s32(i * 4) >> 16
		elif tag == WAVE_FORMAT_FLOAT and bits == 32:
			value = clampi(roundi(pcm.decode_float(i * 4) * 32767.0), -32768, 32767)
		else:
			return PackedByteArray()
		out.encode_s16(i * 2, value)
	return out
