// Runs on the page: images per class as a Plotly bar chart. Plotly is loaded on first use so the
// shell starts without its few megabytes.

import { useEffect, useRef } from 'react';

export function ClassHistogram({
  classNames,
  counts,
  title,
}: {
  classNames: string[];
  counts: number[];
  title: string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    let live = true;
    void import('plotly.js-dist-min').then(({ default: Plotly }) => {
      if (!live) return;
      void Plotly.react(
        element,
        [
          {
            type: 'bar',
            x: classNames,
            y: counts,
            marker: { color: '#2a5bd7' },
            hovertemplate: '%{x}: %{y}<extra></extra>',
          },
        ],
        {
          title: { text: title, font: { size: 13 } },
          margin: { l: 40, r: 10, t: 30, b: classNames.length > 20 ? 110 : 60 },
          height: classNames.length > 20 ? 300 : 240,
          xaxis: { tickangle: -45, automargin: true },
          yaxis: { title: { text: 'images' }, rangemode: 'tozero' },
        },
        { displayModeBar: false, responsive: true },
      );
    });
    return () => {
      live = false;
    };
  }, [classNames, counts, title]);

  useEffect(() => {
    const element = ref.current;
    return () => {
      if (element) {
        void import('plotly.js-dist-min').then(({ default: Plotly }) => {
          Plotly.purge(element);
        });
      }
    };
  }, []);

  return (
    <div
      ref={ref}
      className="histogram"
      data-testid="class-histogram"
      aria-label={`${title}: ${classNames.map((name, c) => `${name} ${counts[c] ?? 0}`).join(', ')}`}
    />
  );
}
