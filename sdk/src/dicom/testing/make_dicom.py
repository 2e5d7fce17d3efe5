"""Test fixtures only: writes DICOM files from images with pydicom (Debian python3-pydicom).

Usage: make_dicom.py <spec.json>. The spec is a list of
{"out", "image" (PNG/JPEG path) | "pixels16" (raw little-endian uint16 file), "rows", "columns",
 "series", "study", "position": [x, y, z], "instance", "window": [c, w] | null,
 "photometric", "bitsStored", "slope", "intercept", "size16" (16-bit slice of that size from "image")}.
No patient data is made up beyond a fixed dummy name (checked not to leak by the tests).
"""
import json
import sys

import numpy as np
from PIL import Image
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, MRImageStorage, generate_uid


def write(item):
    if "image" in item and item.get("size16"):
        # A 12-bit-in-16 MR-like slice: the image resized to size16 x size16, values 0..4095.
        size = int(item["size16"])
        small = Image.open(item["image"]).convert("L").resize((size, size), Image.BILINEAR)
        grey = (np.asarray(small).astype(np.uint16) * 16 + (np.arange(size * size).reshape(size, size) % 16)).astype(np.uint16)
    elif "image" in item:
        grey = np.asarray(Image.open(item["image"]).convert("RGB"))[:, :, 0].astype(np.uint8)
    else:
        grey = np.fromfile(item["pixels16"], dtype="<u2").reshape(item["rows"], item["columns"])
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = MRImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.is_little_endian = True
    ds.is_implicit_VR = False
    ds.SOPClassUID = MRImageStorage
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.PatientName = item.get("patientName", "DOE^JANE")
    ds.PatientID = item.get("patientId", "PID-0001")
    ds.PatientBirthDate = "19700101"
    ds.Modality = "MR"
    ds.StudyInstanceUID = item.get("study", "1.2.3.4")
    ds.SeriesInstanceUID = item.get("series", "1.2.3.4.1")
    ds.SeriesNumber = item.get("seriesNumber", 1)
    ds.InstanceNumber = item.get("instance", 1)
    ds.ImagePositionPatient = item.get("position", [0, 0, 0])
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.Rows, ds.Columns = grey.shape
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = item.get("photometric", "MONOCHROME2")
    bits = 16 if grey.dtype == np.uint16 else 8
    ds.BitsAllocated = bits
    ds.BitsStored = item.get("bitsStored", bits)
    ds.HighBit = ds.BitsStored - 1
    ds.PixelRepresentation = 0
    if item.get("window"):
        ds.WindowCenter, ds.WindowWidth = item["window"]
    if "slope" in item:
        ds.RescaleSlope = item["slope"]
        ds.RescaleIntercept = item.get("intercept", 0)
    ds.PixelData = grey.tobytes()
    ds.save_as(item["out"], write_like_original=False)


for entry in json.load(open(sys.argv[1])):
    write(entry)
