/**
 * Requests Node's HTTP parser refuses before Koa sees them (a request line and headers over
 * `http.maxHeaderSize`, a malformed request line) get the API's JSON error shape with a message,
 * instead of Node's bare status line with no body.
 */
import { maxHeaderSize, type Server, STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'

const answerFor = (code: string | undefined): [number, string, string] => {
  if (code === 'HPE_HEADER_OVERFLOW') {
    return [431, 'headers_too_large', `the request line and headers exceed ${maxHeaderSize} bytes`]
  }
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT')
    return [408, 'request_timeout', 'the request took too long to arrive']
  return [400, 'bad_request', 'malformed HTTP request']
}

export const answerClientErrors = (server: Server): void => {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    // Nothing can be answered on a connection that is already gone, or mid-response.
    if (
      err.code === 'ECONNRESET' ||
      !socket.writable ||
      (socket as { _httpMessage?: unknown })._httpMessage
    ) {
      socket.destroy()
      return
    }
    const [status, code, message] = answerFor(err.code)
    const body = JSON.stringify({ error: { code, message } })
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    )
  })
}
