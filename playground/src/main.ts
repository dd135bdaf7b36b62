/** The playground page: the training panel and the autodiff panel, both plain DOM. */
import { setUpTrainingPanel } from './training-panel';
import { setUpAutodiffPanel } from './autodiff/panel';

setUpTrainingPanel();
setUpAutodiffPanel();
document.body.dataset.ready = 'true'; // the tests wait for this before they click anything
