export { openDataset, inspectPath, summarize, checkTrainable, checkDataIssues, type OpenOptions } from './open.js';
export { validateDataset, describeIssue } from './validate.js';
export { detectFormat } from './detect.js';
export { readLgg, patientOfCase } from './lgg.js';
export { writePhantomsAsLgg } from './lgg-writer.js';
export { readPngFolder } from './png.js';
export { readNiftiPath, LABEL_SUFFIXES } from './nifti.js';
export { readDicomPath, scanDicomSeries, sliceNormal } from './dicom.js';
export { readFileLimited, scanFiles, limitsOf, naturalCompare } from './read.js';
