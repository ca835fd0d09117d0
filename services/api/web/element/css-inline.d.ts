/** Vite's `?inline` CSS import: the stylesheet's text, for the shadow root's constructed sheet. */
declare module '*.css?inline' {
  const css: string;
  export default css;
}
