import { formatExact, formatSi } from '../format';

/** A rounded amount ("6.29M hash") whose exact figure shows on hover and keyboard focus, and is what screen readers hear. */
export function Amount({ value, unit, sign }: { value: number | string | bigint; unit?: string; sign?: '+' | '−' }) {
  const exact = `${sign ?? ''}${formatExact(value)}${unit ? ` ${unit}` : ''}`;
  return (
    <span className="amount" tabIndex={0} aria-label={exact} title={exact}>
      <span aria-hidden="true">
        {sign}
        {formatSi(value)}
        {unit ? ` ${unit}` : ''}
      </span>
      <span className="amount-exact" aria-hidden="true">
        {exact}
      </span>
    </span>
  );
}
