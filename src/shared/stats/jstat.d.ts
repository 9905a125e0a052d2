/** The part of jstat (https://github.com/jstat/jstat) the studio uses. */
declare module 'jstat' {
  const pkg: { jStat: { studentt: { inv(p: number, dof: number): number } } };
  export default pkg;
}
