import { describe, expect, it } from 'vitest';
import { AppError } from '@canvas-sync/shared';
import { shareOf, WorkBudget } from './walk-limits.js';

describe('sync-wide limits shared out to units', () => {
  it('gives units shares in proportion to their courses that add up to the sync limit', () => {
    const limits = { pages: 20_000, rows: 2_000_000 };
    const units = [50, 50, 50, 50, 50, 50, 50, 50, 50, 50];
    const shares = units.map((n) => shareOf(limits, n, 500));
    expect(shares[0]).toEqual({ pages: 2_000, rows: 200_000 });
    expect(shares.reduce((a, s) => a + s.pages, 0)).toBe(20_000);
    // At least a page and a row per course, even for a tiny limit.
    expect(shareOf({ pages: 1, rows: 1 }, 5, 500)).toEqual({ pages: 5, rows: 5 });
  });

  it('a budget throws canvas_pagination_limit once spent and says so', () => {
    const budget = new WorkBudget(2, 10);
    budget.page();
    budget.page();
    budget.rows(10);
    expect(budget.exhausted).toBe(false);
    expect(() => budget.page()).toThrow(AppError);
    expect(budget.exhausted).toBe(true);
    const rows = new WorkBudget(5, 10);
    expect(() => rows.rows(11)).toThrow(/more rows than one sync may fetch/);
  });
});
