/**
 * DICOM SEG (Segmentation Storage, binary) of a predicted mask over a DICOM series, encoded by
 * dcmjs. One frame per source image, in the studio's slice order; every frame names its source
 * image (DerivationImageSequence) and its plane position, the series is referenced as a whole
 * (ReferencedSeriesSequence), and patient, study and frame of reference are the source's, so
 * OHIF / 3D Slicer place it over the series it was predicted on.
 *
 * Not built on dcmjs's Segmentation derivation: that one first converts the series to a legacy
 * multi-frame image (16-bit only, re-sorted), which we do not need; its IOD is followed here.
 */
import * as fs from 'node:fs';
import dcmjs from 'dcmjs';
import { StudioError } from '../../shared/errors';
import type { DicomSeries } from '../data/dicom';

const SEG_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.66.4';
const EXPLICIT_LE = '1.2.840.10008.1.2.1';

export interface SegOptions {
  /** SegmentLabel (at most 64 characters). */
  label: string;
  /** SegmentAlgorithmName and part of the SeriesDescription. */
  algorithm: string;
  seriesDescription: string;
}

type Source = Record<string, unknown>;

function readSource(file: string): Source {
  const b = fs.readFileSync(file);
  const ab = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  try {
    const { dict } = dcmjs.data.DicomMessage.readFile(ab, { untilTag: '7FE00010', includeUntilTagValue: false });
    return dcmjs.data.DicomMetaDictionary.naturalizeDataset(dict);
  } catch (e) {
    throw new StudioError({
      code: 'bad-file',
      file,
      what: `could not read the DICOM header for the SEG (${e instanceof Error ? e.message : String(e)})`,
      hint: 'Export the mask as NIfTI instead, or check the file',
    });
  }
}

/** Bit-packs 0/1 pixels as DICOM does for 1-bit data: frames back to back, least significant bit first. */
export function packBits(pixels: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(pixels.length / 8));
  for (let i = 0; i < pixels.length; i++) if (pixels[i]) out[i >> 3] |= 1 << (i & 7);
  return out;
}

const COPY = [
  'PatientName',
  'PatientID',
  'PatientBirthDate',
  'PatientSex',
  'StudyInstanceUID',
  'StudyDate',
  'StudyTime',
  'StudyID',
  'AccessionNumber',
  'ReferringPhysicianName',
  'StudyDescription',
  'FrameOfReferenceUID',
  'PositionReferenceIndicator',
  'SpecificCharacterSet',
];

/**
 * The SEG file of `mask` (slice, row, column; 0/1) over `series` (ordered as the studio reads it).
 * Multi-frame sources are refused: their frames would need ReferencedFrameNumber handling that no
 * test here covers.
 */
export function encodeSeg(series: DicomSeries, mask: Uint8Array, opts: SegOptions): Uint8Array {
  const entries = series.entries;
  const h0 = entries[0].header;
  const rows = h0.rows,
    cols = h0.cols;
  if (mask.length !== rows * cols * entries.length)
    throw new StudioError({
      code: 'mismatch',
      what: `mask has ${mask.length} pixels but the series is ${cols}x${rows}x${entries.length}`,
      hint: 'Write the mask predicted on this series',
    });
  const multi = entries.find((e) => e.header.frameCount > 1);
  if (multi)
    throw new StudioError({
      code: 'unsupported',
      file: multi.file,
      what: 'DICOM SEG over multi-frame images is not written',
      hint: 'Export the mask as NIfTI (--format nifti) for this series',
    });
  const sources = entries.map((e) => readSource(e.file));
  const first = sources[0];
  const missing = ['SOPInstanceUID', 'SOPClassUID', 'StudyInstanceUID'].find((k) => !first[k]);
  if (missing)
    throw new StudioError({
      code: 'bad-file',
      file: entries[0].file,
      what: `the image has no ${missing}`,
      hint: 'A SEG must reference its images by UID; export the mask as NIfTI instead',
    });
  const g0 = h0.geometry[0];
  const { uid, date, time } = dcmjs.data.DicomMetaDictionary;
  const sopInstanceUid = uid();
  const code = (value: string, scheme: string, meaning: string) => ({
    CodeValue: value,
    CodingSchemeDesignator: scheme,
    CodeMeaning: meaning,
  });
  const dimensionUid = uid();
  const thickness = h0.sliceThickness;

  const ds: Record<string, unknown> = {
    _meta: {},
    _vrMap: { PixelData: 'OB' },
    SOPClassUID: SEG_SOP_CLASS,
    SOPInstanceUID: sopInstanceUid,
    ...Object.fromEntries(COPY.filter((k) => first[k] !== undefined).map((k) => [k, first[k]])),
    Modality: 'SEG',
    SeriesInstanceUID: uid(),
    SeriesNumber: 901,
    SeriesDescription: opts.seriesDescription.slice(0, 64),
    SeriesDate: date(),
    SeriesTime: time(),
    ContentDate: date(),
    ContentTime: time(),
    InstanceNumber: 1,
    Manufacturer: 'VAR Studio',
    ManufacturerModelName: 'VAR Studio',
    SoftwareVersions: '0.1.0',
    DeviceSerialNumber: '1',
    ImageType: ['DERIVED', 'PRIMARY'],
    ContentLabel: 'LESION',
    ContentDescription: opts.seriesDescription.slice(0, 64),
    ContentCreatorName: 'VAR Studio',
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: rows,
    Columns: cols,
    BitsAllocated: 1,
    BitsStored: 1,
    HighBit: 0,
    PixelRepresentation: 0,
    LossyImageCompression: '00',
    SegmentationType: 'BINARY',
    NumberOfFrames: entries.length,
    DimensionOrganizationSequence: [{ DimensionOrganizationUID: dimensionUid }],
    DimensionIndexSequence: [
      {
        DimensionOrganizationUID: dimensionUid,
        DimensionIndexPointer: 0x0062000b,
        FunctionalGroupPointer: 0x0062000a,
        DimensionDescriptionLabel: 'ReferencedSegmentNumber',
      },
      {
        DimensionOrganizationUID: dimensionUid,
        DimensionIndexPointer: 0x00200032,
        FunctionalGroupPointer: 0x00209113,
        DimensionDescriptionLabel: 'ImagePositionPatient',
      },
    ],
    SegmentSequence: [
      {
        SegmentNumber: 1,
        SegmentLabel: opts.label.slice(0, 64),
        SegmentAlgorithmType: 'AUTOMATIC',
        SegmentAlgorithmName: opts.algorithm.slice(0, 64),
        SegmentedPropertyCategoryCodeSequence: [code('49755003', 'SCT', 'Morphologically Altered Structure')],
        SegmentedPropertyTypeCodeSequence: [code('52988006', 'SCT', 'Lesion')],
        RecommendedDisplayCIELabValue: [53534, 51155, 32025],
      },
    ],
    ReferencedSeriesSequence: [
      {
        SeriesInstanceUID: series.uid,
        ReferencedInstanceSequence: sources.map((s) => ({
          ReferencedSOPClassUID: s.SOPClassUID,
          ReferencedSOPInstanceUID: s.SOPInstanceUID,
        })),
      },
    ],
    SharedFunctionalGroupsSequence: [
      {
        ...(g0?.orientation ? { PlaneOrientationSequence: [{ ImageOrientationPatient: g0.orientation }] } : {}),
        ...(h0.pixelSpacing
          ? { PixelMeasuresSequence: [{ PixelSpacing: h0.pixelSpacing, ...(thickness ? { SliceThickness: thickness } : {}) }] }
          : {}),
      },
    ],
    PerFrameFunctionalGroupsSequence: entries.map((e, k) => ({
      FrameContentSequence: [{ DimensionIndexValues: [1, k + 1] }],
      ...(e.header.geometry[e.frame]?.position
        ? { PlanePositionSequence: [{ ImagePositionPatient: e.header.geometry[e.frame].position }] }
        : {}),
      DerivationImageSequence: [
        {
          SourceImageSequence: [
            {
              ReferencedSOPClassUID: sources[k].SOPClassUID,
              ReferencedSOPInstanceUID: sources[k].SOPInstanceUID,
              PurposeOfReferenceCodeSequence: [code('121322', 'DCM', 'Source image for image processing operation')],
            },
          ],
          DerivationCodeSequence: [code('113076', 'DCM', 'Segmentation')],
        },
      ],
      SegmentIdentificationSequence: [{ ReferencedSegmentNumber: 1 }],
    })),
  };
  const packed = packBits(mask);
  // Even length, as DICOM requires of every value.
  const pixel = new Uint8Array(packed.length + (packed.length % 2));
  pixel.set(packed);
  ds.PixelData = [pixel.buffer];
  ds._meta = { TransferSyntaxUID: { Value: [EXPLICIT_LE] } };
  return new Uint8Array(dcmjs.data.datasetToDict(ds).write());
}
