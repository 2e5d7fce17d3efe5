"""The DICOM reader (neuroledger_training/dicom.py) against docs/interfaces.md section 2.0 by hand."""
import os

import numpy as np

import pydicom  # noqa: E402  (Debian python3-pydicom, installed by scripts/bootstrap.sh test)
import pydicom.data  # noqa: E402

from neuroledger_training.dicom import dicom_frames_rgb, window_to_grey  # noqa: E402


class Header:
    def __init__(self, **attributes):
        self.BitsAllocated = 16
        self.PixelRepresentation = 0
        self.PhotometricInterpretation = "MONOCHROME2"
        self.__dict__.update(attributes)


def test_linear_window_by_hand():
    # c = 100, w = 11: 0 at or below 94.5, 255 above 104.5, linear between.
    stored = np.array([94, 95, 100, 104, 105])
    grey = window_to_grey(stored, Header(WindowCenter=100, WindowWidth=11))
    expected = [0, round(((95 - 99.5) / 10 + 0.5) * 255), 140, round(((104 - 99.5) / 10 + 0.5) * 255), 255]
    assert grey.tolist() == expected


def test_eight_bit_as_stored_and_monochrome1():
    stored = np.array([0, 7, 200, 255])
    assert window_to_grey(stored, Header(BitsAllocated=8)).tolist() == [0, 7, 200, 255]
    inverted = window_to_grey(stored, Header(BitsAllocated=8, PhotometricInterpretation="MONOCHROME1"))
    assert inverted.tolist() == [255, 248, 55, 0]


def test_automatic_window_uses_order_statistics():
    stored = np.arange(1000)  # lo = sorted[4] = 4, hi = sorted[995] = 995
    grey = window_to_grey(stored, Header(RescaleSlope=1, RescaleIntercept=0))
    assert grey[4] == 0 and grey[995] == 255 and grey[0] == 0 and grey[999] == 255
    assert grey[500] == int(np.floor((500 - 4) / 991 * 255 + 0.5))


def test_mr_small_sample_reads_as_grey():
    path = os.path.join(os.path.dirname(pydicom.data.__file__), "test_files", "MR_small.dcm")
    frames = dicom_frames_rgb(path)
    assert len(frames) == 1 and frames[0].shape == (64, 64, 3) and frames[0].dtype == np.uint8
    assert (frames[0][:, :, 0] == frames[0][:, :, 2]).all()


def test_decode_rgb_applies_exif_orientation_and_reads_dicom(tmp_path):
    from PIL import Image

    from neuroledger_training.data import decode_rgb

    src = Image.fromarray(np.arange(40 * 60, dtype=np.uint32).reshape(40, 60).astype(np.uint8))
    exif = Image.Exif()
    exif[0x0112] = 6  # stored rotated: the upright image is the stored one turned 90 degrees clockwise
    src.save(tmp_path / "o6.png", exif=exif.tobytes())
    upright = decode_rgb(tmp_path / "o6.png")
    assert upright.shape == (60, 40, 3)
    np.testing.assert_array_equal(upright[:, :, 0], np.rot90(np.asarray(src), k=-1))
    mr = os.path.join(os.path.dirname(pydicom.data.__file__), "test_files", "MR_small.dcm")
    np.testing.assert_array_equal(decode_rgb(mr), dicom_frames_rgb(mr)[0])
