"""A minimal H.264 (Baseline profile) encoder for solid-colour frames.

A frame whose colour changes is an IDR picture of I_PCM macroblocks: they carry raw 8-bit samples,
so no transform or entropy coding is needed. A frame equal to the one before is a P picture in which
every macroblock is skipped, a few bytes long. Every H.264 decoder plays the result.
"""

from .bit_writer import MsbBitWriter

Rgb = tuple[int, int, int]

PROFILE_BASELINE = 66


def _ycbcr(rgb: Rgb) -> tuple[int, int, int]:
    r, g, b = rgb
    y = 16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255
    cb = 128 + (-37.797 * r - 74.203 * g + 112.0 * b) / 255
    cr = 128 + (112.0 * r - 93.786 * g - 18.214 * b) / 255
    return tuple(min(255, max(1, round(v))) for v in (y, cb, cr))  # type: ignore[return-value]


def _escape(rbsp: bytes) -> bytes:
    """Insert emulation prevention bytes so no start code appears inside a NAL unit."""
    out = bytearray()
    zeros = 0
    for byte in rbsp:
        if zeros >= 2 and byte <= 3:
            out.append(3)
            zeros = 0
        out.append(byte)
        zeros = zeros + 1 if byte == 0 else 0
    return bytes(out)


def _nal(ref_idc: int, unit_type: int, writer: MsbBitWriter) -> bytes:
    writer.bits(1, 1)  # rbsp stop bit
    writer.align_zero()
    return bytes([(ref_idc << 5) | unit_type]) + _escape(writer.getvalue())


def level_for(width: int, height: int, fps: float) -> int:
    macroblocks = ((width + 15) // 16) * ((height + 15) // 16)
    per_second = macroblocks * fps
    for level, max_frame, max_rate in (
        (30, 1620, 40500),
        (31, 3600, 108000),
        (40, 8192, 245760),
        (51, 36864, 983040),
    ):
        if macroblocks <= max_frame and per_second <= max_rate:
            return level
    return 52


def sequence_parameter_set(width: int, height: int, level: int) -> bytes:
    mbs_w = (width + 15) // 16
    mbs_h = (height + 15) // 16
    w = MsbBitWriter()
    w.bits(PROFILE_BASELINE, 8)
    w.bits(0b11000000, 8)  # constraint_set0 and constraint_set1
    w.bits(level, 8)
    w.ue(0)  # seq_parameter_set_id
    w.ue(0)  # log2_max_frame_num_minus4
    w.ue(2)  # pic_order_cnt_type: output order = decoding order
    w.ue(1)  # max_num_ref_frames
    w.flag(False)  # gaps_in_frame_num_value_allowed_flag
    w.ue(mbs_w - 1)
    w.ue(mbs_h - 1)
    w.flag(True)  # frame_mbs_only_flag
    w.flag(True)  # direct_8x8_inference_flag
    crop_right = (mbs_w * 16 - width) // 2
    crop_bottom = (mbs_h * 16 - height) // 2
    cropping = bool(crop_right or crop_bottom)
    w.flag(cropping)
    if cropping:
        w.ue(0)
        w.ue(crop_right)
        w.ue(0)
        w.ue(crop_bottom)
    w.flag(False)  # no VUI
    return _nal(3, 7, w)


def picture_parameter_set() -> bytes:
    w = MsbBitWriter()
    w.ue(0)  # pic_parameter_set_id
    w.ue(0)  # seq_parameter_set_id
    w.flag(False)  # CAVLC
    w.flag(False)  # bottom_field_pic_order_in_frame_present_flag
    w.ue(0)  # num_slice_groups_minus1
    w.ue(0)
    w.ue(0)
    w.flag(False)  # weighted_pred_flag
    w.bits(0, 2)  # weighted_bipred_idc
    w.se(0)  # pic_init_qp_minus26
    w.se(0)  # pic_init_qs_minus26
    w.se(0)  # chroma_qp_index_offset
    w.flag(True)  # deblocking_filter_control_present_flag
    w.flag(False)  # constrained_intra_pred_flag
    w.flag(False)  # redundant_pic_cnt_present_flag
    return _nal(3, 8, w)


def idr_frame(width: int, height: int, rgb: Rgb, idr_pic_id: int) -> bytes:
    mbs = ((width + 15) // 16) * ((height + 15) // 16)
    y, cb, cr = _ycbcr(rgb)
    samples = bytes([y]) * 256 + bytes([cb]) * 64 + bytes([cr]) * 64
    w = MsbBitWriter()
    w.ue(0)  # first_mb_in_slice
    w.ue(7)  # slice_type: I, and all slices of the picture are I
    w.ue(0)  # pic_parameter_set_id
    w.bits(0, 4)  # frame_num
    w.ue(idr_pic_id)
    w.flag(False)  # no_output_of_prior_pics_flag
    w.flag(False)  # long_term_reference_flag
    w.se(0)  # slice_qp_delta
    w.ue(1)  # disable_deblocking_filter_idc: off
    for _ in range(mbs):
        w.ue(25)  # mb_type I_PCM
        w.align_zero()
        w.raw(samples)
    return _nal(3, 5, w)


def repeat_frame(width: int, height: int, frame_num: int) -> bytes:
    """A P picture that repeats the previous frame: every macroblock is skipped."""
    mbs = ((width + 15) // 16) * ((height + 15) // 16)
    w = MsbBitWriter()
    w.ue(0)  # first_mb_in_slice
    w.ue(5)  # slice_type: P, and all slices of the picture are P
    w.ue(0)  # pic_parameter_set_id
    w.bits(frame_num % 16, 4)
    w.flag(False)  # num_ref_idx_active_override_flag
    w.flag(False)  # ref_pic_list_modification_flag_l0
    w.flag(False)  # adaptive_ref_pic_marking_mode_flag
    w.se(0)  # slice_qp_delta
    w.ue(1)  # disable_deblocking_filter_idc: off
    w.ue(mbs)  # mb_skip_run: the whole picture
    return _nal(2, 1, w)
