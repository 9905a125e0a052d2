export { renderReport, type ReportInput } from './html';
export { renderGrid, pickSlices, GRID_COLOURS } from './grid';
export { lineChart, type Series, type ChartOptions } from '../../shared/charts/svg';
