/** Model selection: k-fold cross-validation and the grid and random searches built on it. */
export {
  crossValidate, type CrossValidateOptions, type CrossValidationOptions, type CrossValidationResult, type BuildContext, type BuildResult, type TrainOptions,
} from './cross-validate';
export {
  gridSearch, randomSearch, type GridSearchOptions, type RandomSearchOptions, type SearchOptions, type GridParams, type SearchEntry, type SearchResult,
  type SampleRange, type SpaceEntry, type SpaceParams, type SpaceValue,
} from './grid';
