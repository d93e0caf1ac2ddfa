"""Stage 5, pages and figures, the only place that draws: write (reports/ for every run),
run_page and its sections (holdout_section, figures_section, forecast_section, advice_sections),
comparison_page, html and markdown (the two renderings of the same blocks), figures/ (one module
per figure: a pure *_data() beside its draw_*(), on matplotlib Figure objects)."""
