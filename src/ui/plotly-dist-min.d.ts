// The prebuilt Plotly bundle ships no types of its own; it has the API @types/plotly.js describes.
declare module 'plotly.js-dist-min' {
  import * as Plotly from 'plotly.js';
  export default Plotly;
}
