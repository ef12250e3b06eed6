import {
  BadGatewayException, ConflictException, NotFoundException, ServiceUnavailableException,
} from '@nestjs/common';

/** The API's error bodies: `{statusCode, error, message}` (400s also carry `fields`). */
export function notFound(what: string, id: string | number): NotFoundException {
  return new NotFoundException({ statusCode: 404, error: 'Not Found', message: `no ${what} ${id}` });
}

export function conflict(message: string): ConflictException {
  return new ConflictException({ statusCode: 409, error: 'Conflict', message });
}

export function serviceUnavailable(message: string): ServiceUnavailableException {
  return new ServiceUnavailableException({ statusCode: 503, error: 'Service Unavailable', message });
}

export function badGateway(message: string): BadGatewayException {
  return new BadGatewayException({ statusCode: 502, error: 'Bad Gateway', message });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are UUIDs: anything else can name no record (a 404, not a database error). */
export function isUuid(id: string): boolean {
  return UUID.test(id);
}
