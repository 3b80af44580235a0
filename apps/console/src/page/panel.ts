/**
 * A panel frame: title, scope line, a chart (Apache ECharts) and its numbers as a table one click
 * away, or a message saying what to start when the panel's source is missing.
 */
import { type EChartsCoreOption, echarts } from './echarts.ts'

export interface ChartClick {
  seriesName?: string
  value?: unknown
}

export type Cell = string | number | { html: HTMLElement }
export interface TableData {
  columns: string[]
  /** Numeric columns are right-aligned. */
  numeric?: number[]
  rows: Cell[][]
  caption?: string
}

export class PanelView {
  readonly element: HTMLElement
  readonly extra: HTMLElement
  private readonly scope: HTMLElement
  private readonly chartBox: HTMLElement
  private readonly tableBox: HTMLElement
  private readonly message: HTMLElement
  private readonly toggle: HTMLButtonElement
  private chart: ReturnType<typeof echarts.init> | undefined
  private showing: 'chart' | 'table' = 'chart'
  private clickHandler: ((params: ChartClick) => void) | undefined

  constructor(
    parent: HTMLElement,
    id: string,
    title: string,
    options: { wide?: boolean; chart?: boolean } = {},
  ) {
    this.element = document.createElement('section')
    this.element.className = `panel${options.wide ? ' wide' : ''}`
    this.element.id = `panel-${id}`
    this.element.dataset.state = 'loading'
    const head = document.createElement('div')
    head.className = 'panel-head'
    const h2 = document.createElement('h2')
    h2.textContent = title
    this.extra = document.createElement('span')
    this.toggle = document.createElement('button')
    this.toggle.type = 'button'
    this.toggle.className = 'toggle'
    this.toggle.textContent = 'Table'
    this.toggle.hidden = options.chart === false
    this.toggle.addEventListener('click', () => this.show(this.showing === 'chart' ? 'table' : 'chart'))
    head.append(h2, this.extra, this.toggle)
    this.scope = document.createElement('p')
    this.scope.className = 'scope'
    this.chartBox = document.createElement('div')
    this.chartBox.className = 'chart'
    this.chartBox.hidden = options.chart === false
    this.tableBox = document.createElement('div')
    this.tableBox.className = 'table'
    this.tableBox.hidden = options.chart !== false
    this.message = document.createElement('p')
    this.message.className = 'message'
    this.message.hidden = true
    this.element.append(head, this.scope, this.message, this.chartBox, this.tableBox)
    parent.append(this.element)
    if (options.chart === false) this.showing = 'table'
  }

  setScope(text: string): void {
    this.scope.textContent = text
  }

  /** Unavailable (what to start) or an error: the chart and table give way to the message. */
  setMessage(kind: 'unavailable' | 'error' | 'empty', text: string): void {
    this.element.dataset.state = kind
    this.message.className = `message${kind === 'error' ? ' error' : ''}`
    this.message.textContent = text
    this.message.hidden = false
    this.chartBox.hidden = true
    this.tableBox.hidden = true
    this.toggle.hidden = true
  }

  render(option: EChartsCoreOption | undefined, table: TableData | TableData[], chartHeight?: number): void {
    this.element.dataset.state = 'ok'
    if (chartHeight !== undefined) this.chartBox.style.height = `${chartHeight}px`
    this.message.hidden = true
    if (option) {
      this.toggle.hidden = false
      if (!this.chart) {
        this.chart = echarts.init(this.chartBox, undefined, { renderer: 'canvas' })
        const handler = this.clickHandler
        if (handler) this.chart.on('click', (params) => handler(params as ChartClick))
      }
      this.chart.setOption(option, { notMerge: true })
    }
    this.tableBox.replaceChildren(...(Array.isArray(table) ? table : [table]).map(tableElement))
    this.show(this.showing)
  }

  /** Set before the first render. */
  onChartClick(handler: (params: ChartClick) => void): void {
    this.clickHandler = handler
  }

  resize(): void {
    this.chart?.resize()
  }

  /** Where a data point of a series is drawn, in pixels from the chart's top left corner. */
  pixelOf(seriesName: string, value: [number, number]): [number, number] | undefined {
    const pixel = this.chart?.convertToPixel({ seriesName }, value) as number[] | undefined
    return pixel && pixel.length === 2 ? [pixel[0] as number, pixel[1] as number] : undefined
  }

  private show(what: 'chart' | 'table'): void {
    this.showing = what
    this.chartBox.hidden = what !== 'chart'
    this.tableBox.hidden = what !== 'table'
    this.toggle.textContent = what === 'chart' ? 'Table' : 'Chart'
    if (what === 'chart') this.chart?.resize()
  }
}

function tableElement({ columns, numeric = [], rows, caption }: TableData): HTMLTableElement {
  const table = document.createElement('table')
  if (caption) table.createCaption().textContent = caption
  const head = table.createTHead().insertRow()
  columns.forEach((name, i) => {
    const th = document.createElement('th')
    th.textContent = name
    if (numeric.includes(i)) th.className = 'num'
    head.append(th)
  })
  const body = table.createTBody()
  for (const row of rows) {
    const tr = body.insertRow()
    row.forEach((cell, i) => {
      const td = tr.insertCell()
      if (numeric.includes(i)) td.className = 'num'
      if (typeof cell === 'object') td.append(cell.html)
      else td.textContent = String(cell)
    })
  }
  return table
}
